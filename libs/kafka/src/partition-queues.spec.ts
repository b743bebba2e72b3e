import type { KafkaMessage } from 'kafkajs';
import { PartitionQueues, type FetchedBatch, type PartitionWork } from './partition-queues';

const message = (offset: number): KafkaMessage => ({ offset: String(offset), key: null, value: Buffer.from(`v${offset}`), timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage;

function batch(partition: number, first: number, last: number, extra: Partial<FetchedBatch> = {}): FetchedBatch {
  const messages = [];
  for (let offset = first; offset <= last; offset++) messages.push(message(offset));
  return { topic: 't', partition, messages, lastOffset: String(last), bytes: 10 * messages.length, ...extra };
}

/** A run that the test finishes by hand, and everything the queues asked for. */
function harness(options: { concurrency?: number; maxQueuedBytes?: number } = {}) {
  const runs: Array<{ work: PartitionWork; finish(outcome: 'handled' | 'abandoned'): void }> = [];
  const calls: string[] = [];
  const queues = new PartitionQueues({
    concurrency: options.concurrency ?? 4,
    maxQueuedBytes: options.maxQueuedBytes ?? 1000,
    pause: (topic, partition) => calls.push(`pause ${partition}`),
    resume: (topic, partition) => calls.push(`resume ${partition}`),
    rewind: (topic, partition, offset) => calls.push(`rewind ${partition}@${offset}`),
    run: (work) => new Promise((resolve) => runs.push({ work, finish: resolve })),
  });
  const offsets = (work: PartitionWork) => work.messages.map((item) => Number(item.offset));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { queues, runs, calls, offsets, settle };
}

describe('PartitionQueues', () => {
  it('runs a partition one batch at a time, merging what arrived meanwhile into its next run, while other partitions run beside it', async () => {
    const { queues, runs, offsets, settle } = harness();
    queues.push(batch(0, 0, 1));
    queues.push(batch(0, 2, 2));
    queues.push(batch(0, 3, 4));
    queues.push(batch(1, 0, 0));
    expect(runs.map((run) => [run.work.partition, offsets(run.work)])).toEqual([
      [0, [0, 1]],
      [1, [0]],
    ]);
    runs[0]!.finish('handled');
    await settle();
    expect(runs).toHaveLength(3);
    expect(offsets(runs[2]!.work)).toEqual([2, 3, 4]);
    expect(runs[2]!.work.nextOffset).toBe('5');
    expect(runs[2]!.work.firstOffset).toBe('2');
  });

  it('follows each batch handed over: started (alone or merged into its partition\'s next run) and ended, or dropped', async () => {
    const { queues, runs, settle } = harness();
    const seen: string[] = [];
    const follow = (name: string, queued: ReturnType<typeof queues.push>) => {
      void queued.started.then(() => seen.push(`${name} started`));
      void queued.ended.then(() => seen.push(`${name} ended`));
    };
    follow('first', queues.push(batch(0, 0, 0)));
    follow('second', queues.push(batch(0, 1, 1)));
    follow('third', queues.push(batch(0, 2, 2)));
    await settle();
    expect(seen).toEqual(['first started']);
    runs[0]!.finish('handled');
    await settle();
    expect(seen).toEqual(['first started', 'first ended', 'second started', 'third started']);
    runs[1]!.finish('abandoned');
    await settle();
    expect(seen.slice(4)).toEqual(['second ended', 'third ended']);
    follow('running', queues.push(batch(0, 3, 3)));
    follow('dropped', queues.push(batch(0, 4, 4)));
    queues.newGeneration();
    await settle();
    expect(seen.slice(6)).toEqual(['running started', 'dropped started', 'dropped ended']);
    runs[2]!.finish('abandoned');
    await settle();
    expect(seen.slice(9)).toEqual(['running ended']);
  });

  it('merges no more than the bound, and pauses a partition whose waiting bytes reach it until they drop below', async () => {
    const { queues, runs, calls, offsets, settle } = harness({ maxQueuedBytes: 30 });
    queues.push(batch(0, 0, 0)); // runs at once
    queues.push(batch(0, 1, 2)); // 20 waiting
    expect(calls).toEqual([]);
    queues.push(batch(0, 3, 3)); // 30 waiting: paused
    expect(calls).toEqual(['pause 0']);
    queues.push(batch(0, 4, 6)); // 60 waiting
    runs[0]!.finish('handled');
    await settle();
    // 20 + 10 fit under 30; the next 30 stay, and 30 waiting is still the bound: still paused.
    expect(offsets(runs[1]!.work)).toEqual([1, 2, 3]);
    expect(calls).toEqual(['pause 0']);
    runs[1]!.finish('handled');
    await settle();
    expect(offsets(runs[2]!.work)).toEqual([4, 5, 6]);
    expect(calls).toEqual(['pause 0', 'resume 0']);
  });

  it('runs at most `concurrency` partitions at once, the waiting ones in arrival order before a partition that just ran', async () => {
    const { queues, runs, settle } = harness({ concurrency: 2 });
    queues.push(batch(0, 0, 0));
    queues.push(batch(1, 0, 0));
    queues.push(batch(2, 0, 0));
    queues.push(batch(0, 1, 1));
    expect(runs.map((run) => run.work.partition)).toEqual([0, 1]);
    runs[0]!.finish('handled');
    await settle();
    expect(runs.map((run) => run.work.partition)).toEqual([0, 1, 2]);
    runs[1]!.finish('handled');
    await settle();
    expect(runs.map((run) => run.work.partition)).toEqual([0, 1, 2, 0]);
  });

  it('does not hand over again records already handled here, when Kafka gives them again', async () => {
    const { queues, runs, offsets, settle } = harness();
    queues.push(batch(0, 0, 4));
    runs[0]!.finish('handled');
    await settle();
    queues.push(batch(0, 3, 7)); // fetched again from a committed offset that was behind
    expect(offsets(runs[1]!.work)).toEqual([5, 6, 7]);
    expect(runs[1]!.work.nextOffset).toBe('8');
  });

  it('a new generation drops what waits (releasing its budget) and resumes paused partitions; the work under way is left to end', async () => {
    const { queues, runs, calls, settle } = harness({ maxQueuedBytes: 10 });
    const released: string[] = [];
    queues.push(batch(0, 0, 0, { release: () => released.push('a') }));
    queues.push(batch(0, 1, 1, { release: () => released.push('b') })); // paused
    expect(queues.generation).toBe(0);
    queues.newGeneration();
    expect(queues.generation).toBe(1);
    expect(released).toEqual(['b']);
    expect(calls).toEqual(['pause 0', 'resume 0']);
    expect(runs[0]!.work.generation).toBe(0);
    queues.push(batch(0, 0, 1)); // the new assignment fetches from the committed offset
    runs[0]!.finish('abandoned');
    await settle();
    expect(released).toEqual(['b', 'a']);
    // Abandoned by the rebalance: no rewind; the new generation's batch (which filled the
    // queue while it waited) runs next.
    expect(calls).toEqual(['pause 0', 'resume 0', 'pause 0', 'resume 0']);
    expect(runs[1]!.work.generation).toBe(1);
    expect(runs[1]!.work.messages.map((item) => item.offset)).toEqual(['0', '1']);
  });

  it('work abandoned within its generation drops what waits behind it and rewinds the fetch to its first record', async () => {
    const { queues, runs, calls, settle } = harness();
    queues.push(batch(0, 5, 6));
    queues.push(batch(0, 7, 8));
    runs[0]!.finish('abandoned');
    await settle();
    expect(calls).toEqual(['rewind 0@5']);
    expect(runs).toHaveLength(1);
    expect(queues.waitingBytes('t', 0)).toBe(0);
  });

  it('close drops what waits, starts nothing more, and resolves once the work under way ended', async () => {
    const { queues, runs, settle } = harness();
    const released: number[] = [];
    queues.push(batch(0, 0, 0, { release: () => released.push(0) }));
    queues.push(batch(0, 1, 1, { release: () => released.push(1) }));
    let closed = false;
    const closing = queues.close().then(() => (closed = true));
    await settle();
    expect(released).toEqual([1]);
    expect(closed).toBe(false);
    runs[0]!.finish('handled');
    await closing;
    expect(runs).toHaveLength(1);
    expect(released).toEqual([1, 0]);
    queues.push(batch(0, 2, 2, { release: () => released.push(2) }));
    expect(runs).toHaveLength(1);
    expect(released).toEqual([1, 0, 2]);
  });
});
