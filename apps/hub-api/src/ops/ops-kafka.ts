import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Admin, Kafka } from 'kafkajs';
import { brokersFrom, createKafka } from '@accord/kafka';
import { createLogger } from '@accord/platform';

/** Consumer groups the hub itself runs to read the DLQ: not shown to ops. */
export const DLQ_READER_GROUP_PREFIX = 'accord-hub-api-dlq-reader-';

/** The Kafka client topic health and redrive use; a provider so a test can substitute one. */
export const OPS_KAFKA = Symbol('OPS_KAFKA');

export const opsKafkaProvider = {
  provide: OPS_KAFKA,
  inject: [ConfigService],
  useFactory: (config: ConfigService): Kafka =>
    createKafka({
      clientId: 'accord-hub-ops',
      brokers: brokersFrom(config.getOrThrow<string>('KAFKA_BROKERS')),
      logger: createLogger('hub-api-ops', config.getOrThrow<string>('LOG_LEVEL')),
      // Ops answers about an unhealthy cluster too: fail fast rather than retry for half a minute.
      overrides: { connectionTimeout: 3000, requestTimeout: 10_000, retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 } },
    }),
};

/** One admin connection for the ops module, connected on first use and replaced after a failure. */
@Injectable()
export class OpsAdmin implements OnModuleDestroy {
  private readonly logger = new Logger(OpsAdmin.name);
  private admin: Promise<Admin> | undefined;
  private closed = false;

  constructor(@Inject(OPS_KAFKA) private readonly kafka: Kafka) {}

  /** Runs `work` with the admin; a failure drops the connection so the next call reconnects. */
  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the ops Kafka admin is closed');
    const admin = await this.connected();
    try {
      return await work(admin);
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
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

  /**
   * Drops the connection. kafkajs keeps every topic an admin ever asked about in its metadata
   * requests, so once another client deletes one of them every request fails: a fresh admin
   * forgets them.
   */
  async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.disconnect().catch((error: unknown) => this.logger.debug({ err: error }, 'admin disconnect failed'));
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}
