import type { KafkaMessage } from 'kafkajs';

/** A fetched batch handed over to its partition's queue, with the budget it holds. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** The batch's last offset as Kafka gave it (it can be past its last message). */
  lastOffset: string;
  /** Its bytes, as counted against the budget and the queue's bound. */
  bytes: number;
  /** Gives its bytes back to the budget; called once, when it is handled, abandoned or dropped. */
  release?: () => void;
}

/** What one run of a partition's queue handles: the batches waiting for it, merged, in order. */
export interface PartitionWork {
  topic: string;
  partition: number;
  /** The records not handled yet in this process, in offset order (may be empty). */
  messages: KafkaMessage[];
  /** The offset of its first batch's first record (where to fetch again if it is abandoned). */
  firstOffset: string;
  /** The next offset to read once it is handled: the last batch's last offset + 1. */
  nextOffset: string;
  /** The group generation it was fetched in; work of an earlier one must not be committed. */
  generation: number;
}

export interface PartitionQueuesOptions {
  /** Partitions whose work runs at once; the others wait, in arrival order. */
  concurrency: number;
  /**
   * Bytes waiting in one partition's queue at which its fetching pauses (resumed once it
   * drops below); also the most a run merges (a single larger batch still runs alone).
   */
  maxQueuedBytes: number;
  /** Stop and start fetching one partition (kafkajs consumer.pause / resume). */
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
  /** Runs one partition's work; resolves 'handled' or 'abandoned' (nothing of it committed). */
  run(work: PartitionWork): Promise<'handled' | 'abandoned'>;
  /**
   * Work was abandoned while its generation goes on (not a rebalance, not a stop): the
   * fetch position is past it, so fetching must start again at `offset` (kafkajs seek).
   */
  rewind(topic: string, partition: number, offset: string): void;
}

interface Queue {
  topic: string;
  partition: number;
  waiting: Waiting[];
  waitingBytes: number;
  running: boolean;
  paused: boolean;
  /** The offset after the last record this process handled; records before it are not handled again. */
  handledUpTo: bigint;
}

/** A batch in its queue, and what settles its `push` (see QueuedBatch). */
type Waiting = FetchedBatch & { generation: number; left(): void; ended(): void };

/** A batch handed over, followed. */
export interface QueuedBatch {
  /** Settles when it leaves the queue: it started (alone or merged into its partition's next run), or it was dropped. */
  started: Promise<void>;
  /** Settles when its run ended (handled or abandoned), or when it was dropped. */
  ended: Promise<void>;
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * One consumer's fetched batches, queued per partition and handled apart from the fetch:
 * kafkajs fetches a consumer's next records only once every batch of its last fetch has
 * returned, and handing each batch over here (instead of handling it inside `eachBatch`)
 * lets the caller choose when to return: once the batch has started (`started`), so the
 * fetch runs ahead while it is handled and a busy partition's next batch starts the moment
 * its previous one ends, or once it has ended (`ended`), as kafkajs would (BatchConsumer
 * does the first for a partition that is behind, the second for one that has caught up).
 *
 * - Each partition's work runs one at a time, in offset order; the batches that arrived
 *   while it ran are merged into its next run (up to `maxQueuedBytes`), so a busy
 *   partition pays each run's fixed cost once for all of them.
 * - A partition with `maxQueuedBytes` waiting is paused until its queue drains: with the
 *   process's byte budget, which holds every queued batch, that bounds what is held.
 * - Records this process handled are not handled again when Kafka gives them again (after
 *   a rebalance it fetches from the committed offset, which can be behind).
 * - A new group generation (a rebalance) drops every waiting batch: their fetch position
 *   is forgotten with the old assignment, and the new one fetches them again from the
 *   committed offsets. Work under way sees its generation end and is abandoned.
 */
export class PartitionQueues {
  private readonly queues = new Map<string, Queue>();
  /** Partitions with work waiting for a free slot, in arrival order. */
  private readonly ready: Queue[] = [];
  private readonly under = new Set<Promise<void>>();
  private runningCount = 0;
  private closed = false;
  private current = 0;

  constructor(private readonly options: PartitionQueuesOptions) {
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1) throw new Error('PartitionQueues: concurrency must be a positive integer');
  }

  /** The group generation batches are fetched in now. */
  get generation(): number {
    return this.current;
  }

  /** Bytes waiting (not yet running) in one partition's queue (for tests and diagnostics). */
  waitingBytes(topic: string, partition: number): number {
    return this.queues.get(keyOf(topic, partition))?.waitingBytes ?? 0;
  }

  /** Hands a fetched batch over; it runs after every batch of its partition handed over before it. */
  push(batch: FetchedBatch): QueuedBatch {
    if (this.closed) {
      batch.release?.();
      return { started: Promise.resolve(), ended: Promise.resolve() };
    }
    const key = keyOf(batch.topic, batch.partition);
    let queue = this.queues.get(key);
    if (!queue) {
      queue = { topic: batch.topic, partition: batch.partition, waiting: [], waitingBytes: 0, running: false, paused: false, handledUpTo: -1n };
      this.queues.set(key, queue);
    }
    let left!: () => void;
    let ended!: () => void;
    const followed: QueuedBatch = { started: new Promise((resolve) => (left = resolve)), ended: new Promise((resolve) => (ended = resolve)) };
    queue.waiting.push({ ...batch, generation: this.current, left, ended });
    queue.waitingBytes += batch.bytes;
    this.schedule(queue);
    if (!queue.paused && queue.waitingBytes >= this.options.maxQueuedBytes) {
      queue.paused = true;
      this.options.pause(queue.topic, queue.partition);
    }
    return followed;
  }

  /**
   * A rebalance: drops every waiting batch and resumes every paused partition; work under
   * way belongs to the old generation from now on. `assigned`, when known, lets idle
   * queues of partitions no longer owned go.
   */
  newGeneration(assigned?: (topic: string, partition: number) => boolean): void {
    this.current++;
    this.dropWaiting();
    if (!assigned) return;
    for (const [key, queue] of this.queues) {
      if (!queue.running && !assigned(queue.topic, queue.partition)) this.queues.delete(key);
    }
  }

  /** Stops: drops every waiting batch, starts nothing more, and resolves once the work under way ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.dropWaiting();
    while (this.under.size > 0) await Promise.allSettled([...this.under]);
  }

  private dropWaiting(): void {
    for (const queue of this.queues.values()) this.dropQueued(queue);
    this.ready.length = 0;
  }

  /** Drops what waits in one partition's queue (its budget released, its pushes settled), and resumes its fetching. */
  private dropQueued(queue: Queue): void {
    for (const batch of queue.waiting) {
      batch.release?.();
      batch.left();
      batch.ended();
    }
    queue.waiting = [];
    queue.waitingBytes = 0;
    this.resume(queue);
  }

  private resume(queue: Queue): void {
    if (!queue.paused) return;
    queue.paused = false;
    this.options.resume(queue.topic, queue.partition);
  }

  private schedule(queue: Queue): void {
    if (queue.running || queue.waiting.length === 0 || this.ready.includes(queue)) return;
    if (this.runningCount < this.options.concurrency) this.start(queue);
    else this.ready.push(queue);
  }

  private start(queue: Queue): void {
    // The batches that arrived while the last run ran, merged up to the bound (at least one).
    const taken = [queue.waiting.shift()!];
    let bytes = taken[0]!.bytes;
    while (queue.waiting.length > 0 && bytes + queue.waiting[0]!.bytes <= this.options.maxQueuedBytes && queue.waiting[0]!.generation === taken[0]!.generation) {
      bytes += queue.waiting[0]!.bytes;
      taken.push(queue.waiting.shift()!);
    }
    queue.waitingBytes -= bytes;
    for (const batch of taken) batch.left();
    if (queue.waitingBytes < this.options.maxQueuedBytes) this.resume(queue);
    const after = queue.handledUpTo;
    const work: PartitionWork = {
      topic: queue.topic,
      partition: queue.partition,
      messages: taken.flatMap((batch) => (after < 0n ? batch.messages : batch.messages.filter((message) => BigInt(message.offset) >= after))),
      firstOffset: taken[0]!.messages[0]?.offset ?? taken[0]!.lastOffset,
      nextOffset: (BigInt(taken[taken.length - 1]!.lastOffset) + 1n).toString(),
      generation: taken[0]!.generation,
    };
    queue.running = true;
    this.runningCount++;
    const running = (async () => {
      try {
        const outcome = await this.options.run(work).catch(() => 'abandoned' as const);
        if (outcome === 'handled') {
          const next = BigInt(work.nextOffset);
          if (next > queue.handledUpTo) queue.handledUpTo = next;
        } else if (work.generation === this.current && !this.closed) {
          // Not a rebalance or a stop: what waits behind it must not run before it, and the
          // fetch must give it again.
          this.options.rewind(queue.topic, queue.partition, work.firstOffset);
          this.dropQueued(queue);
        }
      } finally {
        for (const batch of taken) {
          batch.release?.();
          batch.ended();
        }
        queue.running = false;
        this.runningCount--;
        if (!this.closed) {
          // Behind the partitions already waiting for a slot.
          if (queue.waiting.length > 0) this.ready.push(queue);
          while (this.ready.length > 0 && this.runningCount < this.options.concurrency) this.start(this.ready.shift()!);
        }
      }
    })();
    this.under.add(running);
    void running.finally(() => this.under.delete(running)).catch(() => undefined);
  }
}
