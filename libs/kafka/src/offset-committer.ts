import type { TopicPartitionOffset } from 'kafkajs';

export interface OffsetCommitterOptions {
  /** Sends one commit (kafkajs `consumer.commitOffsets`). */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /**
   * Least time from the start of one commit to the start of the next. 0 commits again as
   * soon as the previous commit is answered.
   */
  intervalMs: number;
  /** A background commit failed; its offsets stay pending and go with the next one. */
  onError?(error: unknown): void;
}

/** After a failed background commit (a rebalance, Kafka away), the next one waits at least this long. */
const RETRY_AFTER_FAILURE_MS = 1000;

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Commits the offsets of handled batches behind the consumer instead of in its way. The
 * consumer reports each handled batch (`handled`) and goes on to the next fetch; this
 * remembers the highest handled offset of each partition and commits all of them in one
 * request, with at most one request in flight and at most one started per `intervalMs`.
 *
 * Nothing is committed before it is handled, so delivery stays at least once. What a crash
 * costs is that the batches handled since the last commit are consumed again (the broker
 * delivers them as recorded). The BatchConsumer flushes when a rebalance starts and when
 * it stops, so a handover does not cost that. A failed commit keeps its offsets pending;
 * after a rebalance `retainOnly` forgets the partitions another member now owns.
 */
export class OffsetCommitter {
  private readonly pending = new Map<string, TopicPartitionOffset>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private notBefore = 0;

  constructor(private readonly options: OffsetCommitterOptions) {}

  /** `offset` is the next offset to read (the batch's last offset + 1). */
  handled(offset: TopicPartitionOffset): void {
    const key = keyOf(offset.topic, offset.partition);
    const known = this.pending.get(key);
    // A batch consumed again after a rebalance must not move the partition back.
    if (known && BigInt(known.offset) >= BigInt(offset.offset)) return;
    this.pending.set(key, offset);
    this.schedule();
  }

  /** Offsets handled and not committed yet (for tests and diagnostics). */
  uncommitted(): TopicPartitionOffset[] {
    return [...this.pending.values()];
  }

  /** After a rebalance: drops the partitions not assigned to this member any more. */
  retainOnly(assignment: Record<string, readonly number[]>): void {
    for (const [key, offset] of this.pending) {
      if (!assignment[offset.topic]?.includes(offset.partition)) this.pending.delete(key);
    }
  }

  /** Commits everything handled so far and waits for it (shutdown, rebalance). Throws if that commit fails. */
  async flush(): Promise<void> {
    for (;;) {
      this.cancelTimer();
      if (this.inFlight) {
        await this.inFlight;
        continue; // its end may have scheduled the next commit
      }
      if (this.pending.size === 0) return;
      await this.startCommit();
    }
  }

  /** Stops the background commits; what is pending is not committed. */
  close(): void {
    this.cancelTimer();
    this.pending.clear();
  }

  private schedule(): void {
    if (this.timer || this.inFlight) return;
    const wait = Math.max(0, this.lastStart + this.options.intervalMs - Date.now(), this.notBefore - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.startCommit().catch(() => undefined); // reported through onError; retried by the next one
    }, wait);
  }

  /**
   * Commits what is pending now. Every commit, background or flush, starts here, so there
   * is never more than one in flight. Rejects when it failed (its offsets are pending again).
   */
  private startCommit(): Promise<void> {
    const commit = this.commitPending();
    const settled: Promise<void> = commit
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    this.inFlight = settled;
    return commit;
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async commitPending(): Promise<void> {
    const offsets = [...this.pending.values()];
    this.pending.clear();
    this.lastStart = Date.now();
    try {
      await this.options.commit(offsets);
    } catch (error) {
      // Back into the queue unless a newer offset of the partition arrived meanwhile.
      for (const offset of offsets) {
        const key = keyOf(offset.topic, offset.partition);
        if (!this.pending.has(key)) this.pending.set(key, offset);
      }
      this.notBefore = Date.now() + RETRY_AFTER_FAILURE_MS;
      this.options.onError?.(error);
      throw error;
    }
  }
}
