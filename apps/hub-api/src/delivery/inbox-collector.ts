import { EventEmitter } from 'node:events';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { inboxTopic, participantFromInboxTopic } from '@accord/contracts';
import { BatchConsumer, type BatchContext } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { holdRecords, listSubscriptions, purgeExpired } from './delivery-store';

/** Partner delivery's Kafka client: its own identity, which reads inboxes and nothing else. */
export const DELIVERY_KAFKA = Symbol('DELIVERY_KAFKA');

/** How often subscriptions made through another hub-api instance (or removed) are picked up. */
const REFRESH_MS = 5000;
/** How often records held past the retention are purged (as the outbox relay purges). */
const PURGE_MS = 60_000;

/** The inbox topics of `participants`, as one anchored pattern (ids are `[a-z0-9-]` and one dot). */
export function inboxesOf(participants: readonly string[]): RegExp {
  return new RegExp(`^(?:${participants.map((participant) => inboxTopic(participant).replace(/\./g, '\\.')).join('|')})$`);
}

/**
 * Copies the inbox records of every participant that receives over HTTPS into
 * `delivery_records`, in order, for the pull feed: one consumer group
 * (DELIVERY_GROUP_ID) over exactly the subscribed participants' inbox topics, started with
 * the first subscription and restarted when one is added. A participant subscribed later
 * gets its inbox from the earliest record Kafka still holds. A batch's offsets are
 * committed only once its records are held (at least once; holding de-duplicates), and
 * while Postgres is down the batch is retried: nothing is skipped.
 */
@Injectable()
export class InboxCollector implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InboxCollector.name);
  private readonly arrivals = new EventEmitter().setMaxListeners(0);
  /** The participants whose records are held now. */
  private collecting = new Set<string>();
  /** The participants the running consumer covers. */
  private subscribed = new Set<string>();
  private consumer: BatchConsumer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastPurge = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DELIVERY_KAFKA) private readonly kafka: Kafka,
    private readonly environment: HubApiEnvironment,
  ) {}

  onApplicationBootstrap(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.refreshing;
    await this.consumer?.stop();
    this.consumer = undefined;
  }

  /** Looks at the subscriptions now (after one was added), rather than at the next refresh. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.reconcile()).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'could not refresh the partner delivery subscriptions; trying again shortly');
    });
    return this.refreshing;
  }

  /** Calls `listener` when records for `participant` (or, with '*', for anyone, named) are held; returns the unsubscribe. */
  onArrival(participant: string, listener: (participant: string) => void): () => void {
    this.arrivals.on(participant, listener);
    return () => this.arrivals.off(participant, listener);
  }

  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const participants = (await listSubscriptions(this.dataSource.manager)).map((subscription) => subscription.participant);
    // Held before the consumer covers them, so no batch of theirs is skipped meanwhile.
    this.collecting = new Set(participants);
    if (Date.now() - this.lastPurge >= PURGE_MS) {
      await purgeExpired(this.dataSource.manager);
      this.lastPurge = Date.now();
    }
    // A removed subscription needs no restart: its records are no longer held (handle skips them).
    if (participants.every((participant) => this.subscribed.has(participant)) || this.stopped) return;
    await this.consumer?.stop();
    this.consumer = undefined;
    const consumer = new BatchConsumer({
      kafka: this.kafka,
      groupId: this.environment.DELIVERY_GROUP_ID,
      topics: [inboxesOf(participants)],
      handler: (messages, context) => this.handle(messages, context),
      logger: createLogger('hub-api-delivery', this.environment.LOG_LEVEL),
      consumerConfig: { maxBytesPerPartition: 256 * 1024, maxBytes: 1024 * 1024 },
    });
    try {
      await consumer.start();
    } catch (error) {
      // `subscribed` still lacks them, so the next refresh starts a consumer again.
      await consumer.stop().catch(() => undefined);
      throw error;
    }
    this.consumer = consumer;
    this.subscribed = new Set(participants);
    this.logger.log({ participants: participants.length }, 'collecting the inboxes of participants that receive over HTTPS');
  }

  private async handle(messages: KafkaMessage[], context: BatchContext): Promise<void> {
    const participant = participantFromInboxTopic(context.topic);
    if (participant === undefined || !this.collecting.has(participant)) return;
    const held = await this.dataSource.transaction((manager) => holdRecords(manager, participant, context.partition, messages));
    if (held > 0) {
      this.arrivals.emit(participant, participant);
      this.arrivals.emit('*', participant);
    }
  }
}
