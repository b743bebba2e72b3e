export interface CoalescerOptions<I> {
  /** Upper bound of one group, in `sizeOf` units (default: unbounded). A single larger input still runs, alone. */
  maxSize?: number;
  /** The size of one input (default 1). */
  sizeOf?: (input: I) => number;
}

interface Waiting<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

/**
 * Runs one round trip for many callers: while a run is under way, the inputs that arrive
 * wait, and then go together, in arrival order, as the next run's group. An input that
 * arrives when nothing is running starts a run once the event loop's current turn is over
 * (`setImmediate`), with every input submitted in that turn: the batches of one fetch,
 * handed over together, share their first round trip instead of the first of them going
 * alone and the others waiting for it. An idle system adds that turn's end, not a timer's
 * wait; under load, the per-call cost of a statement, a request or a commit is paid once
 * per group. A group never includes an input submitted after its run started.
 *
 * `run` gets the group's inputs and returns one output per input, in the same order. When
 * it throws, every caller of that group gets the error (and decides on its own whether to
 * retry); the groups after it run as usual.
 */
export class Coalescer<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  /** A run is under way, or about to start at the end of this turn. */
  private running = false;
  private readonly maxSize: number;
  private readonly sizeOf: (input: I) => number;

  constructor(
    private readonly run: (inputs: readonly I[]) => Promise<readonly O[]>,
    options: CoalescerOptions<I> = {},
  ) {
    this.maxSize = options.maxSize ?? Number.POSITIVE_INFINITY;
    this.sizeOf = options.sizeOf ?? (() => 1);
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.running) return;
      this.running = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.nextGroup();
        try {
          const outputs = await this.run(group.map((waiting) => waiting.input));
          if (outputs.length !== group.length) throw new Error(`coalesced run returned ${outputs.length} results for ${group.length} inputs`);
          group.forEach((waiting, index) => waiting.resolve(outputs[index]!));
        } catch (error) {
          for (const waiting of group) waiting.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private nextGroup(): Waiting<I, O>[] {
    const group = [this.queue.shift()!];
    let size = this.sizeOf(group[0]!.input);
    while (this.queue.length > 0 && size + this.sizeOf(this.queue[0]!.input) <= this.maxSize) {
      const next = this.queue.shift()!;
      size += this.sizeOf(next.input);
      group.push(next);
    }
    return group;
  }
}
