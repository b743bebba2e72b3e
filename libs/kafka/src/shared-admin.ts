import type { Admin, Kafka } from 'kafkajs';

/**
 * One admin connection, connected on first use and replaced after a failure, for a
 * service that asks Kafka things now and then (create topics, read offsets). kafkajs keeps
 * every topic an admin ever asked about in its metadata requests, so once another client
 * deletes one of them every request fails: dropping the connection after a failure makes
 * a fresh admin that forgets them.
 */
export class SharedAdmin {
  private admin: Promise<Admin> | undefined;
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly onDisconnectError: (error: unknown) => void = () => undefined,
  ) {}

  /** Runs `work` with the admin; a failure drops the connection so the next call reconnects. */
  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the Kafka admin is closed');
    const admin = await this.connected();
    try {
      return await work(admin);
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  /** Drops the connection; the next call connects afresh. */
  async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect().catch(this.onDisconnectError);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
  }

  private connected(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }
}
