import type { ConsumerConfig, ProducerConfig } from 'kafkajs';
import { SharingBrokerEnvironment } from '../../apps/sharing-broker/src/environment';

/**
 * The kafkajs settings the broker runs with, mirrored for the passthrough baseline so the
 * two differ only in what they do with a batch. From apps/sharing-broker/src/routing:
 * - consumer (BrokerConsumer → BatchConsumer of @accord/kafka): `maxBytesPerPartition` =
 *   BROKER_MAX_BATCH_BYTES, `maxWaitTimeInMs` = BROKER_MAX_WAIT_MS, kafkajs defaults
 *   otherwise (minBytes 1, maxBytes 10 MB); `eachBatch`, `autoCommit: false`,
 *   `partitionsConsumedConcurrently: 1`, offsets committed after the batch is handled;
 * - producer (RecordProducer): idempotent, `maxInFlightRequests: 1`, murmur2 partitioner,
 *   one `sendBatch` with `acks: -1` per consumed batch.
 * The values come from the broker's own environment defaults unless BROKER_MAX_BATCH_BYTES
 * or BROKER_MAX_WAIT_MS are set, and are then passed to both.
 */
export interface BatchSettings {
  consumer: Partial<ConsumerConfig>;
  producer: ProducerConfig;
  partitionsConsumedConcurrently: number;
  acks: -1;
  /** The broker environment that yields the same settings. */
  brokerEnvironment: Record<string, string>;
}

export function batchSettings(environment: NodeJS.ProcessEnv = process.env): BatchSettings {
  const defaults = new SharingBrokerEnvironment();
  const maxBytesPerPartition = Number(environment.BROKER_MAX_BATCH_BYTES || defaults.BROKER_MAX_BATCH_BYTES);
  const maxWaitTimeInMs = Number(environment.BROKER_MAX_WAIT_MS || defaults.BROKER_MAX_WAIT_MS);
  return {
    consumer: { maxBytesPerPartition, maxWaitTimeInMs },
    producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
    partitionsConsumedConcurrently: 1,
    acks: -1,
    brokerEnvironment: { BROKER_MAX_BATCH_BYTES: String(maxBytesPerPartition), BROKER_MAX_WAIT_MS: String(maxWaitTimeInMs) },
  };
}
