import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { DLQ_TOPIC, EVENTS_TOPIC_PATTERN, sharedEventDataValidator } from '@accord/contracts';
import { BatchConsumer, ensureTopics, InFlightBudget, type BatchConsumerOptions } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import { SharingBrokerEnvironment } from '../environment';
import { brokerMetrics } from '../metrics';
import { BatchRouter } from './batch-router';
import { BROKER_KAFKA } from './record-producer';

/**
 * The topics the broker consumes: `accord.events.<participant>` topics that also match the
 * configured pattern. One RegExp (what the BatchConsumer takes), both conditions as
 * lookaheads, no flags (so `test` is stateless).
 */
export function subscriptionPattern(configured: string): RegExp {
  return new RegExp(`^(?=${EVENTS_TOPIC_PATTERN.source})(?=[\\s\\S]*?(?:${configured}))`);
}

/**
 * Runs BROKER_CONSUMERS BatchConsumers from application bootstrap to shutdown: members
 * of the consumer group `BROKER_GROUP_ID` over every events topic (topics created later
 * are picked up), with the BatchRouter as handler. Stopped in onModuleDestroy, before the database and the
 * producer close, so the batch in hand finishes or is abandoned uncommitted.
 */
@Injectable()
export class BrokerConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BrokerConsumer.name);
  private consumers: BatchConsumer[] = [];

  constructor(
    @Inject(BROKER_KAFKA) private readonly kafka: Kafka,
    private readonly environment: SharingBrokerEnvironment,
    private readonly router: BatchRouter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureDeadLetterTopic();
    // Compiled before the first fetch, not by the first record of a batch.
    sharedEventDataValidator();
    const groupId = this.environment.BROKER_GROUP_ID;
    const metrics = brokerMetrics();
    const sessionTimeout = this.environment.BROKER_SESSION_TIMEOUT_MS;
    // One budget for every consumer of the process: memory is the process's, not a consumer's.
    const budget = new InFlightBudget(this.environment.BROKER_MAX_BYTES_IN_FLIGHT, (bytes, waiting) => {
      metrics.bytesInFlight.set(bytes);
      metrics.batchesWaiting.set(waiting);
    });
    const options: BatchConsumerOptions = {
      kafka: this.kafka,
      groupId,
      topics: [subscriptionPattern(this.environment.BROKER_TOPIC_PATTERN)],
      handler: this.router.handle,
      logger: createLogger('sharing-broker', this.environment.LOG_LEVEL),
      topicRefreshMs: this.environment.BROKER_TOPIC_REFRESH_MS,
      retryMaxMs: this.environment.BROKER_RETRY_MAX_MS,
      consumerConfig: {
        maxBytesPerPartition: this.environment.BROKER_MAX_BATCH_BYTES,
        maxBytes: this.environment.BROKER_MAX_FETCH_BYTES,
        maxWaitTimeInMs: this.environment.BROKER_MAX_WAIT_MS,
        minBytes: this.environment.BROKER_MIN_FETCH_BYTES,
        sessionTimeout,
        heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      },
      partitionsConcurrently: this.environment.BROKER_PARTITIONS_CONCURRENTLY,
      onFailure: () => metrics.batchFailures.inc(),
      commitIntervalMs: this.environment.BROKER_COMMIT_INTERVAL_MS,
      budget,
    };
    // Members of one group: Kafka gives each its own partitions, so per-partition order holds.
    const count = this.environment.BROKER_CONSUMERS;
    this.consumers = Array.from({ length: count }, () => new BatchConsumer(options));
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
    this.logger.log({ groupId, consumers: count, topics: this.topics() }, 'consuming events topics');
  }

  async onModuleDestroy(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
  }

  /** Topics consumed now (for tests and diagnostics). */
  topics(): string[] {
    return this.consumers[0]?.topics() ?? [];
  }

  /** The hub creates accord.dlq too; whichever starts first does, with the same settings. */
  private async ensureDeadLetterTopic(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const created = await ensureTopics(admin, [
        { topic: DLQ_TOPIC, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] },
      ]);
      if (created.length > 0) this.logger.log({ topics: created }, 'created the dead-letter topic');
    } catch (error) {
      // Not fatal: if it is really missing, delivering a reject fails and the batch waits for it.
      this.logger.warn({ err: error }, 'could not ensure the dead-letter topic');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
