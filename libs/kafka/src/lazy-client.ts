/** What kafkajs's admin, producer and consumer have in common. */
export interface Connectable {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A kafkajs client connected on first use, shared by the calls under way, and dropped on
 * `reset` (after a failure, say) so that the next call connects a fresh one. A client
 * whose connect fails is disconnected and not kept: the next call tries again.
 */
export class LazyClient<C extends Connectable> {
  private client: Promise<C> | undefined;

  constructor(
    private readonly create: () => C,
    private readonly onDisconnectError: (error: unknown) => void = () => undefined,
  ) {}

  /** The connected client, connecting it when there is none. */
  get(): Promise<C> {
    if (!this.client) {
      const pending: Promise<C> = this.connect().catch((error: unknown) => {
        // Only this attempt is forgotten: a reset and a new get may have come since.
        if (this.client === pending) this.client = undefined;
        throw error;
      });
      this.client = pending;
    }
    return this.client;
  }

  /** Drops the client (disconnecting it); the next `get` connects afresh. */
  async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await (await client.catch(() => undefined))?.disconnect().catch(this.onDisconnectError);
  }

  private async connect(): Promise<C> {
    const client = this.create();
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.disconnect().catch(() => undefined);
      throw error;
    }
  }
}
