/**
 * The bytes of consumed records one process has under way — fetched and handed to a
 * handler, decoded, waiting for a write or a produce — bounded by one number for every
 * consumer of the process. A batch that does not fit waits, in arrival order, until
 * enough of the others finish; kafkajs fetches again only when every batch of its last
 * fetch has been handed over, so a waiting batch holds its consumer's fetching
 * (backpressure), and what a process holds is at most the budget plus the fetches waiting
 * for it.
 *
 * A batch larger than the whole budget is let through alone (when nothing else is under
 * way): a budget smaller than one record must slow the process down, never stop it.
 */
export class InFlightBudget {
  private used = 0;
  private readonly queue: Array<{ bytes: number; admit: () => void }> = [];

  /** `onChange` is told the bytes under way and the batches waiting whenever either changes (for a gauge). */
  constructor(
    readonly maxBytes: number,
    private readonly onChange?: (bytesInFlight: number, waiting: number) => void,
  ) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new Error('InFlightBudget: maxBytes must be a positive integer');
  }

  /** Bytes admitted and not released yet. */
  get bytesInFlight(): number {
    return this.used;
  }

  /** Batches waiting for room. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Resolves once `bytes` are admitted, with the function that releases them (call it
   * exactly once, when the batch is done or abandoned). `signal` withdraws a batch still
   * waiting (its consumer is stopping or lost the partition): the promise then rejects
   * with the signal's reason and nothing is counted.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const size = Math.max(0, Math.floor(bytes));
    return new Promise((resolve, reject) => {
      const admit = () => {
        signal?.removeEventListener('abort', withdraw);
        this.used += size;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.used -= size;
          this.admitWaiting();
          this.onChange?.(this.used, this.queue.length);
        });
      };
      const entry = { bytes: size, admit };
      const withdraw = () => {
        const index = this.queue.indexOf(entry);
        if (index < 0) return;
        this.queue.splice(index, 1);
        reject(signal!.reason);
        // The head may have been the one blocking those behind it.
        this.admitWaiting();
        this.onChange?.(this.used, this.queue.length);
      };
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      signal?.addEventListener('abort', withdraw, { once: true });
      this.queue.push(entry);
      this.admitWaiting();
      this.onChange?.(this.used, this.queue.length);
    });
  }

  /** Admits waiting batches in arrival order while the first one fits (or nothing is under way). */
  private admitWaiting(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (this.used > 0 && this.used + next.bytes > this.maxBytes) return;
      this.queue.shift();
      next.admit();
    }
  }
}
