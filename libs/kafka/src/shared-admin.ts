import type { Admin, Kafka } from 'kafkajs';
import { LazyClient } from './lazy-client';

/**
 * One admin connection, connected on first use and replaced after a failure, for a
 * service that asks Kafka things now and then (create topics, read offsets). kafkajs keeps
 * every topic an admin ever asked about in its metadata requests, so once another client
 * deletes one of them every request fails: dropping the connection after a failure makes
 * a fresh admin that forgets them.
 */
export class SharedAdmin {
  private readonly admin: LazyClient<Admin>;
  private closed = false;

  constructor(kafka: Kafka, onDisconnectError: (error: unknown) => void = () => undefined) {
    this.admin = new LazyClient(() => kafka.admin(), onDisconnectError);
  }

  /** Runs `work` with the admin; a failure drops the connection so the next call reconnects. */
  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the Kafka admin is closed');
    const admin = await this.admin.get();
    try {
      return await work(admin);
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  /** Drops the connection; the next call connects afresh. */
  reset(): Promise<void> {
    return this.admin.reset();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.reset();
  }
}
