import type { ConsumerConfig, ProducerConfig } from 'kafkajs';
import { SharingBrokerEnvironment } from '../../apps/sharing-broker/src/environment';

/**
 * The kafkajs settings the broker runs with, mirrored for the passthrough baseline so the
 * two differ only in what they do with a batch. From apps/sharing-broker/src/routing:
 * - consumer (BrokerConsumer → BatchConsumer of @accord/kafka): `maxBytesPerPartition` =
 *   BROKER_MAX_BATCH_BYTES, `maxBytes` = BROKER_MAX_FETCH_BYTES, `maxWaitTimeInMs` =
 *   BROKER_MAX_WAIT_MS, `minBytes` = BROKER_MIN_FETCH_BYTES, kafkajs defaults otherwise;
 *   BROKER_CONSUMERS members of the group in one process, each with `eachBatch`,
 *   `autoCommit: false`, `partitionsConsumedConcurrently` = BROKER_PARTITIONS_CONCURRENTLY,
 *   offsets committed after the batch is handled, behind the consumer, at most one commit
 *   per BROKER_COMMIT_INTERVAL_MS (the passthrough runs the same BatchConsumer), all the
 *   members of the process sharing one budget of BROKER_MAX_BYTES_IN_FLIGHT bytes under way;
 * - producer (RecordProducer): idempotent, `maxInFlightRequests: 1`, murmur2 partitioner,
 *   one `sendBatch` with `acks: -1` per consumed batch.
 * The values come from the broker's own environment defaults unless those variables are
 * set, and are then passed to both, with one exception: the passthrough's fetch returns as
 * soon as any record is there (`minBytes` 1), whatever the broker waits for. The baseline
 * is raw Kafka at its lowest latency, so a broker that lets a fetch wait for more data
 * (BROKER_MIN_FETCH_BYTES, up to BROKER_MAX_WAIT_MS) pays that wait in its latency figures.
 */
export interface BatchSettings {
  consumer: Partial<ConsumerConfig>;
  /** The passthrough's consumer: the broker's, but a fetch returns as soon as any record is there. */
  passthroughConsumer: Partial<ConsumerConfig>;
  producer: ProducerConfig;
  partitionsConsumedConcurrently: number;
  /** Members of the consumer group in one process (BROKER_CONSUMERS). */
  consumers: number;
  /** Least time between two offset commits of one member (BROKER_COMMIT_INTERVAL_MS). */
  commitIntervalMs: number;
  /** Bytes of consumed records under way in the process, all members together (BROKER_MAX_BYTES_IN_FLIGHT). */
  maxBytesInFlight: number;
  acks: -1;
  /** The broker's heap growth (BROKER_HEAP_GROWTH_PERCENT; the broker's alone, the passthrough runs with V8's own). */
  brokerHeapGrowthPercent: number;
  /** The broker environment that yields the same settings. */
  brokerEnvironment: Record<string, string>;
}

export function batchSettings(environment: NodeJS.ProcessEnv = process.env): BatchSettings {
  const defaults = new SharingBrokerEnvironment();
  const maxBytesPerPartition = Number(environment.BROKER_MAX_BATCH_BYTES || defaults.BROKER_MAX_BATCH_BYTES);
  const maxBytes = Number(environment.BROKER_MAX_FETCH_BYTES || defaults.BROKER_MAX_FETCH_BYTES);
  const maxWaitTimeInMs = Number(environment.BROKER_MAX_WAIT_MS || defaults.BROKER_MAX_WAIT_MS);
  const minBytes = Number(environment.BROKER_MIN_FETCH_BYTES || defaults.BROKER_MIN_FETCH_BYTES);
  const consumers = Number(environment.BROKER_CONSUMERS || defaults.BROKER_CONSUMERS);
  const partitionsConsumedConcurrently = Number(environment.BROKER_PARTITIONS_CONCURRENTLY || defaults.BROKER_PARTITIONS_CONCURRENTLY);
  const commitIntervalMs = Number(environment.BROKER_COMMIT_INTERVAL_MS || defaults.BROKER_COMMIT_INTERVAL_MS);
  const maxBytesInFlight = Number(environment.BROKER_MAX_BYTES_IN_FLIGHT || defaults.BROKER_MAX_BYTES_IN_FLIGHT);
  const heapGrowthPercent = Number(environment.BROKER_HEAP_GROWTH_PERCENT || defaults.BROKER_HEAP_GROWTH_PERCENT);
  return {
    consumer: { maxBytesPerPartition, maxBytes, maxWaitTimeInMs, minBytes },
    passthroughConsumer: { maxBytesPerPartition, maxBytes, maxWaitTimeInMs, minBytes: 1 },
    producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
    partitionsConsumedConcurrently,
    consumers,
    commitIntervalMs,
    maxBytesInFlight,
    brokerHeapGrowthPercent: heapGrowthPercent,
    acks: -1,
    brokerEnvironment: {
      BROKER_MAX_BATCH_BYTES: String(maxBytesPerPartition),
      BROKER_MAX_FETCH_BYTES: String(maxBytes),
      BROKER_MAX_WAIT_MS: String(maxWaitTimeInMs),
      BROKER_MIN_FETCH_BYTES: String(minBytes),
      BROKER_CONSUMERS: String(consumers),
      BROKER_PARTITIONS_CONCURRENTLY: String(partitionsConsumedConcurrently),
      BROKER_COMMIT_INTERVAL_MS: String(commitIntervalMs),
      BROKER_MAX_BYTES_IN_FLIGHT: String(maxBytesInFlight),
      BROKER_HEAP_GROWTH_PERCENT: String(heapGrowthPercent),
    },
  };
}
