import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createLogger } from '@accord/platform';
import { OutboxRelay } from '@accord/kafka';
import { participantFromEventsTopic } from '@accord/contracts';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from '../options';

/** The Kafka client the service publishes a participant's events with; a provider so tests can substitute one whose network they cut. */
export const KAFKA_CLIENT = Symbol('KAFKA_CLIENT');
export type ParticipantKafka = (participant: string) => Kafka;

/**
 * Owns the outbox relay, which publishes each participant's events as that participant.
 * The topics and their ACLs are the hub's to create (participant registration): a
 * participant's identity may not create topics.
 */
@Injectable()
export class OutboxPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly relay: OutboxRelay;

  constructor(
    @Inject(KAFKA_CLIENT) kafka: ParticipantKafka,
    @Inject(DOMAIN_SERVICE_OPTIONS) options: DomainServiceOptions,
    @InjectDataSource() dataSource: DataSource,
  ) {
    this.relay = new OutboxRelay({
      dataSource,
      kafka: (topic) => {
        const participant = participantFromEventsTopic(topic);
        // Rows are written by RecordWriter for a served participant only; anything else is a bug, and stays unpublished.
        if (!participant || !options.participants.includes(participant)) throw new Error(`outbox row for a topic this service does not publish to: ${topic}`);
        return kafka(participant);
      },
      lockNamespace: options.lockNamespace,
      retentionMs: options.outboxRetentionHours * 3600 * 1000,
      logger: createLogger(`${options.service}-outbox`, options.logLevel),
    });
  }

  onApplicationBootstrap(): void {
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
