import { Global, Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OutboxRelay } from '@accord/kafka';
import { dataSourceOptions, HUB_SCHEMA, openDatabase } from '@accord/persistence';
import { createLogger } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { HUB_KAFKA } from '../hub-kafka';
import { HUB_API_MIGRATIONS, HUB_API_MIGRATIONS_TABLE } from '../migrations';

/** The outbox relay's advisory-lock namespace ("hub"), distinct from the domain services'. */
const OUTBOX_LOCK_NAMESPACE = 0x687562;

/**
 * hub-api's transactional outbox: consent changes and notices, enqueued in the transaction
 * that records the statement, and events partners publish over HTTPS, enqueued in the
 * transaction that accepts them. A POST succeeds while Kafka is down and nothing is lost if
 * the process dies before publishing; the relay publishes the rows (with backoff while
 * Kafka is unreachable) once it can, at least once, with stable ids, each key in order.
 */
@Injectable()
export class HubOutbox implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(HUB_KAFKA) kafka: Kafka,
    private readonly environment: HubApiEnvironment,
  ) {
    this.relay = new OutboxRelay({
      dataSource,
      kafka,
      lockNamespace: OUTBOX_LOCK_NAMESPACE,
      pollIntervalMs: 500,
      logger: createLogger('hub-api-outbox', environment.LOG_LEVEL),
    });
  }

  /** Runs hub-api's own migrations (under the same cluster-wide lock as every migration) before anything uses the outbox. */
  async onModuleInit(): Promise<void> {
    const migrator = await openDatabase({
      ...dataSourceOptions({
        url: this.environment.DATABASE_URL,
        schema: HUB_SCHEMA,
        entities: [],
        migrations: HUB_API_MIGRATIONS,
        applicationName: 'accord-hub-api-migrations',
        // runMigrations holds the lock on one connection and migrates on another.
        poolSize: 2,
      }),
      migrationsTableName: HUB_API_MIGRATIONS_TABLE,
    });
    await migrator.destroy();
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Rows were committed: publish now rather than at the next poll. */
  nudge(): void {
    this.relay.nudge();
  }

  backlog(): Promise<number> {
    return this.relay.backlog();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/** The one outbox of hub-api, for every feature that publishes through it. */
@Global()
@Module({ providers: [HubOutbox], exports: [HubOutbox] })
export class HubOutboxModule {}
