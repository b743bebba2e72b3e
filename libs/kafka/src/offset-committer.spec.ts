import type { TopicPartitionOffset } from 'kafkajs';
import { OffsetCommitter } from './offset-committer';

/** Long enough for a commit timer of 0 ms to fire and the promises after it to settle. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
/** A commit function that records each request and answers when the test says so. */
function gatedCommits() {
  const requests: TopicPartitionOffset[][] = [];
  const answers: Array<(error?: Error) => void> = [];
  const commit = (offsets: TopicPartitionOffset[]) =>
    new Promise<void>((resolve, reject) => {
      requests.push(offsets.map((offset) => ({ ...offset })));
      answers.push((error) => (error ? reject(error) : resolve()));
    });
  const answer = async (error?: Error) => {
    answers.shift()!(error);
    await tick();
  };
  return { requests, commit, answer };
}

const at = (topic: string, partition: number, offset: number): TopicPartitionOffset => ({ topic, partition, offset: String(offset) });

describe('OffsetCommitter', () => {
  it('commits in the background, one request in flight, carrying the highest handled offset of each partition', async () => {
    const { requests, commit, answer } = gatedCommits();
    const committer = new OffsetCommitter({ commit, intervalMs: 0 });
    committer.handled(at('t', 0, 5));
    await tick();
    expect(requests).toEqual([[at('t', 0, 5)]]);

    // While that is in flight: three more batches of two partitions.
    committer.handled(at('t', 0, 9));
    committer.handled(at('t', 1, 3));
    committer.handled(at('t', 0, 12));
    await tick();
    expect(requests).toHaveLength(1);

    await answer();
    await tick();
    expect(requests[1]).toEqual([at('t', 0, 12), at('t', 1, 3)]);
    await answer();
    expect(committer.uncommitted()).toEqual([]);
  });

  it('never moves a partition back when a batch is handled again after a rebalance', async () => {
    const { requests, commit, answer } = gatedCommits();
    const committer = new OffsetCommitter({ commit, intervalMs: 0 });
    committer.handled(at('t', 0, 20));
    committer.handled(at('t', 0, 8));
    await tick();
    expect(requests).toEqual([[at('t', 0, 20)]]);
    await answer();
  });

  it('keeps the offsets of a failed commit for the next one, unless a newer one arrived', async () => {
    const { requests, commit, answer } = gatedCommits();
    const errors: unknown[] = [];
    const committer = new OffsetCommitter({ commit, intervalMs: 0, onError: (error) => errors.push(error) });
    committer.handled(at('t', 0, 5));
    committer.handled(at('t', 1, 5));
    await tick();
    committer.handled(at('t', 1, 7));
    await answer(new Error('REBALANCE_IN_PROGRESS'));
    expect(errors).toHaveLength(1);
    expect(committer.uncommitted()).toEqual([at('t', 1, 7), at('t', 0, 5)]);

    // Shutdown commits what is pending at once (not after the back-off) and waits for it.
    const flushed = committer.flush();
    await tick();
    expect(requests[1]).toEqual([at('t', 1, 7), at('t', 0, 5)]);
    await answer();
    await flushed;
    expect(committer.uncommitted()).toEqual([]);
  });

  it('after a rebalance, forgets the partitions assigned to another member', async () => {
    const { requests, commit, answer } = gatedCommits();
    const committer = new OffsetCommitter({ commit, intervalMs: 0 });
    committer.handled(at('a', 0, 1));
    await tick();
    committer.handled(at('a', 1, 4));
    committer.handled(at('b', 2, 9));
    committer.retainOnly({ a: [0, 1], b: [0] });
    await answer();
    await tick();
    expect(requests[1]).toEqual([at('a', 1, 4)]);
    await answer();
  });

  it('starts at most one commit per interval however many batches are handled', async () => {
    jest.useFakeTimers();
    try {
      const starts: number[] = [];
      const committer = new OffsetCommitter({
        commit: async () => {
          starts.push(Date.now());
        },
        intervalMs: 200,
      });
      for (let batch = 0; batch < 100; batch++) {
        committer.handled(at('t', batch % 6, batch + 1));
        await jest.advanceTimersByTimeAsync(10);
      }
      await jest.advanceTimersByTimeAsync(300);
      // 1 s of batches every 10 ms: the first commit at once, then one per 200 ms.
      expect(starts.length).toBeGreaterThanOrEqual(5);
      expect(starts.length).toBeLessThanOrEqual(7);
      for (let index = 1; index < starts.length; index++) expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(200);
      expect(committer.uncommitted()).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('a flush with a failing commit throws, so shutdown can say the offsets were not committed', async () => {
    const committer = new OffsetCommitter({
      commit: async () => {
        throw new Error('coordinator not available');
      },
      intervalMs: 1000,
    });
    committer.handled(at('t', 0, 3));
    await expect(committer.flush()).rejects.toThrow('coordinator not available');
    committer.close(); // as the consumer does next: no retries left behind
  });

  it('keeps one commit in flight while a flush commits and batches keep being handled', async () => {
    const { requests, commit, answer } = gatedCommits();
    const committer = new OffsetCommitter({ commit, intervalMs: 0 });
    committer.handled(at('t', 0, 5));
    const flushed = committer.flush();
    committer.handled(at('t', 1, 3));
    await tick();
    expect(requests).toEqual([[at('t', 0, 5)]]);

    await answer();
    expect(requests[1]).toEqual([at('t', 1, 3)]);
    await answer();
    await flushed;
    expect(requests).toHaveLength(2);
    expect(committer.uncommitted()).toEqual([]);
  });
});
