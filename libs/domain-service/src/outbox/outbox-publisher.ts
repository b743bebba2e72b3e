import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createLogger } from '@accord/platform';
import { ensureTopics, OutboxRelay } from '@accord/kafka';
import { eventsTopic, inboxTopic } from '@accord/contracts';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from '../options';

/** The Kafka client the service publishes with; a provider so tests can substitute one whose network they cut. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');

/**
 * Owns the outbox relay: at start it makes sure the service's topics exist (so the relay
 * can publish before the hub registered the participant, and the inbox can subscribe),
 * then publishes until shutdown.
 */
@Injectable()
export class OutboxPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxPublisher.name);
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(KAFKA_CLIENT) private readonly kafka: Kafka,
    @Inject(DOMAIN_SERVICE_OPTIONS) private readonly options: DomainServiceOptions,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.relay = new OutboxRelay({
      dataSource,
      kafka,
      lockNamespace: options.lockNamespace,
      retentionMs: options.outboxRetentionHours * 3600 * 1000,
      logger: createLogger(`${options.service}-outbox`, options.logLevel),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = this.options.participants.flatMap((participant) => [eventsTopic(participant), inboxTopic(participant)]);
      const created = await ensureTopics(admin, topics.map((topic) => ({ topic, numPartitions: 6 })));
      if (created.length > 0) this.logger.log({ topics: created }, 'created topics');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.relay.start();
  }

  /** A record was committed: publish now rather than at the next poll. */
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
