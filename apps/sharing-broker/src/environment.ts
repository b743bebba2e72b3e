import { Matches, ValidateBy } from 'class-validator';
import { EVENTS_TOPIC_PATTERN } from '@accord/contracts';
import { BaseEnvironment, DEVELOPMENT_DEFAULTS, integerSetting, portSetting, secretSetting } from '@accord/platform';

/** A JavaScript regular expression source that compiles. */
function regularExpressionSetting(name: string) {
  return ValidateBy({
    name: 'isRegularExpression',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || value.length === 0 || value.length > 500) return false;
        try {
          new RegExp(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: () => `${name} must be a regular expression (at most 500 characters)`,
    },
  });
}

export class SharingBrokerEnvironment extends BaseEnvironment {
  @portSetting('BROKER_PORT')
  BROKER_PORT: number = 3010;

  /** Master key for `pseudonymise`, at least 32 characters; each agreement derives its own key from it. */
  @secretSetting('ACCORD_PSEUDONYMISATION_SECRET', { minLength: 32 })
  ACCORD_PSEUDONYMISATION_SECRET: string = DEVELOPMENT_DEFAULTS.pseudonymisationSecret;

  /**
   * Kafka consumer group: every broker instance of one hub uses the same one and they share
   * the partitions. It starts with `accord-sharing-broker`, the prefix the broker's ACLs
   * allow, and has no dot: participants' groups are `<org>.<system>.…`, so a dotless group
   * can never fall inside a participant's prefix.
   */
  @Matches(/^accord-sharing-broker[A-Za-z0-9_-]{0,179}$/, { message: 'BROKER_GROUP_ID must start with accord-sharing-broker (its ACLs allow that prefix), then up to 179 letters, digits, underscores or hyphens (no dot)' })
  BROKER_GROUP_ID: string = 'accord-sharing-broker';

  /**
   * Which events topics to consume, as a regular expression over topic names; only topics
   * that are also `accord.events.<participant>` are ever consumed. Narrowed in tests and
   * when one hub's partnerships are split over several broker groups.
   */
  @regularExpressionSetting('BROKER_TOPIC_PATTERN')
  BROKER_TOPIC_PATTERN: string = EVENTS_TOPIC_PATTERN.source;

  /**
   * Kafka consumers this process runs in the group. Each owns its own partitions and
   * handles each partition's batches in order. One is enough: its partitions are handled
   * apart from its fetch (BatchConsumer), and each further consumer costs a fetch loop of
   * its own. At 1,000 events/s on the development machine three cost the tail (p99 155
   * against 128 ms) and 70 MB of peak memory for 6 % more throughput in a backlog
   * (bench/RESULTS.md, ninth run of record).
   */
  @integerSetting('BROKER_CONSUMERS', 1, 16)
  BROKER_CONSUMERS: number = 1;

  /**
   * Partitions each consumer works on at once. Each partition's batches stay in order; the
   * batches of different partitions overlap their Postgres and Kafka round trips. With the
   * other defaults, every partition of the development setup's three source topics.
   */
  @integerSetting('BROKER_PARTITIONS_CONCURRENTLY', 1, 64)
  BROKER_PARTITIONS_CONCURRENTLY: number = 18;

  /**
   * Least time between two offset commits of one consumer. Commits run behind the batches
   * (a batch's offsets only ever after it is handled); a crash makes the batches handled
   * since the last commit be consumed again, and delivered as recorded. Each commit is a
   * Kafka request: at 1,000 events/s committing after every batch took 200 a second.
   */
  @integerSetting('BROKER_COMMIT_INTERVAL_MS', 0, 60_000)
  BROKER_COMMIT_INTERVAL_MS: number = 200;

  /** How often to look for new events topics (participants registered later). */
  @integerSetting('BROKER_TOPIC_REFRESH_MS', 100, 600_000)
  BROKER_TOPIC_REFRESH_MS: number = 5000;

  /**
   * Upper bound of one fetched batch per partition, in bytes (kafkajs maxBytesPerPartition).
   * Also what a partition may have queued before its fetching pauses, and the most its next
   * batch merges of what was fetched while the last one was handled.
   */
  @integerSetting('BROKER_MAX_BATCH_BYTES', 1024, 64 * 1024 * 1024)
  BROKER_MAX_BATCH_BYTES: number = 256 * 1024;

  /**
   * Upper bound of one fetch response, all its partitions together, in bytes (kafkajs
   * maxBytes, Kafka fetch.max.bytes). The records a process holds — queued, decoded,
   * evaluated and waiting for Postgres and Kafka — are bounded by BROKER_MAX_BYTES_IN_FLIGHT
   * plus one fetch per consumer waiting for room in it, which is what keeps the broker's
   * memory flat under a backlog. Kafka still returns at least one record batch if the first
   * one is larger.
   */
  @integerSetting('BROKER_MAX_FETCH_BYTES', 1024, 256 * 1024 * 1024)
  BROKER_MAX_FETCH_BYTES: number = 2 * 1024 * 1024;

  /**
   * The bytes of consumed records (keys, values, headers, as they arrive) this process has
   * under way at once, all its consumers together: decoded, decided, waiting for the
   * decision write or the produce. A batch that would go over it waits, and its consumer
   * fetches nothing more meanwhile, so memory stays bounded whatever the backlog; a batch
   * larger than the whole budget still goes, alone. The decoded form of a record takes
   * several times its bytes, which this bound covers along with the fetch bounds above.
   * 1 MiB keeps two 18-partition members busy (about 1,700 records of 0.6 KB in flight);
   * what larger budgets cost and bought: docs/operations.md, "Memory".
   */
  @integerSetting('BROKER_MAX_BYTES_IN_FLIGHT', 64 * 1024, 1024 * 1024 * 1024)
  BROKER_MAX_BYTES_IN_FLIGHT: number = 1024 * 1024;

  /**
   * How far the process's old generation may grow past what survived its last full
   * collection before the next one: to (100 + this) % of it (V8's heap growing percent,
   * set at start-up). 0 leaves it to V8. What it bounds, and what it costs:
   * docs/operations.md, "Memory".
   */
  @integerSetting('BROKER_HEAP_GROWTH_PERCENT', 0, 300)
  BROKER_HEAP_GROWTH_PERCENT: number = 100;

  /**
   * The least data a fetch returns with unless BROKER_MAX_WAIT_MS passes first (kafkajs
   * minBytes, Kafka fetch.min.bytes). Above 1, a trickle of events is handled in fewer,
   * larger batches — each batch has a fixed cost in Postgres and Kafka round trips — at
   * the price of waiting up to BROKER_MAX_WAIT_MS for it.
   */
  @integerSetting('BROKER_MIN_FETCH_BYTES', 1, 64 * 1024 * 1024)
  BROKER_MIN_FETCH_BYTES: number = 1;

  /** How long a fetch waits for data before returning a smaller batch (kafkajs maxWaitTimeInMs). */
  @integerSetting('BROKER_MAX_WAIT_MS', 10, 30_000)
  BROKER_MAX_WAIT_MS: number = 1000;

  /**
   * How long the Kafka group waits for a silent broker instance before handing its
   * partitions to the others (kafkajs sessionTimeout); a crashed instance's work resumes
   * elsewhere after at most this long.
   */
  @integerSetting('BROKER_SESSION_TIMEOUT_MS', 6000, 300_000)
  BROKER_SESSION_TIMEOUT_MS: number = 30_000;

  /** Longest pause between retries of a failing batch (Postgres or Kafka unreachable). */
  @integerSetting('BROKER_RETRY_MAX_MS', 100, 300_000)
  BROKER_RETRY_MAX_MS: number = 10_000;
}
