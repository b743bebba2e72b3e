import { PartitionAssigners, type Admin, type Consumer, type ConsumerConfig, type Kafka, type KafkaMessage, type TopicPartitionOffset } from 'kafkajs';
import { subscriptionAwareAssigner } from './assigner';
import type { InFlightBudget } from './in-flight-budget';
import { recordBytes } from './record-bytes';
import { OffsetCommitter } from './offset-committer';
import { PartitionQueues, type PartitionWork } from './partition-queues';
import type { Logger } from 'pino';

export interface BatchContext {
  topic: string;
  partition: number;
  /** Keeps the group membership alive during long work (e.g. a retried Postgres write). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the partition was reassigned: abandon the batch. */
  isActive(): boolean;
}

/** Handles one batch completely; offsets are committed only after it resolves. */
export type BatchHandler = (messages: KafkaMessage[], context: BatchContext) => Promise<void>;

export interface BatchConsumerOptions {
  kafka: Kafka;
  groupId: string;
  /** Exact topics and/or patterns; topics matching a pattern that appear later are picked up. */
  topics: (string | RegExp)[];
  handler: BatchHandler;
  logger?: Logger;
  /** How often to look for new topics matching a pattern. */
  topicRefreshMs?: number;
  /** Backoff bounds while a batch keeps failing (e.g. Postgres unreachable). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  consumerConfig?: Partial<ConsumerConfig>;
  /**
   * Partitions whose batches are handled at once (default 1). Each partition's batches
   * still run in order, one at a time.
   */
  partitionsConcurrently?: number;
  /** Called with each failure of the handler (for metrics). */
  onFailure?: (error: unknown) => void;
  /**
   * Least time between two offset commits of one consumer (default 0: as soon as the last
   * one is answered). Commits run behind the consumer; see OffsetCommitter.
   */
  commitIntervalMs?: number;
  /**
   * The bytes of records this process may have under way, queued or being handled, shared
   * by all its consumers: a fetched batch that does not fit waits (heartbeating), which
   * holds its consumer's fetching.
   */
  budget?: InFlightBudget;
}

/** One kafkajs consumer, its partitions' queues and what they left to commit, from start to disconnect. */
interface Running {
  consumer: Consumer;
  committer: OffsetCommitter;
  queues: PartitionQueues;
  /** Set first thing when it is being stopped: batches fetched after that are left for the next owner. */
  closing: boolean;
  /** A heartbeat was answered with a group change: work under way is abandoned until kafkajs rejoins. */
  leaving: boolean;
  /** kafkajs gave up on it (a crash it does not restart from): it must be replaced. */
  crashed: boolean;
  /** kafkajs's group calls, taken from its first batch (they are the consumer's, not the batch's). */
  kafkajs?: { heartbeat(): Promise<void>; isRunning(): boolean };
}

class StaleBatch extends Error {}

/** kafkajs's default maxBytesPerPartition. */
const KAFKAJS_MAX_BYTES_PER_PARTITION = 1024 * 1024;

/**
 * Consumes with `eachBatch` and commits a batch's offsets only after the handler finished
 * it, so nothing is lost if the process dies mid-batch (at-least-once).
 *
 * kafkajs fetches again only once every batch of the last fetch returned. `eachBatch`
 * hands each batch to its partition's queue (PartitionQueues), which runs the partitions
 * apart, each in order, and returns: for a partition that is behind (a near-full batch)
 * once the batch has started, so its next records are fetched while it works and are
 * there when it ends; for one that has caught up once the batch has ended, so the next
 * fetch brings everything that arrived meanwhile at once instead of a fetch per record.
 * The commit runs behind the consumer too (OffsetCommitter). What is held is bounded by
 * the byte budget and by pausing a partition whose queue is full.
 *
 * Stopping waits for the handlers under way and commits what they handled. While the
 * handler fails — a dependency is down — the batch is retried with backoff and heartbeats,
 * which holds the partition (its later batches wait behind it) rather than skipping
 * anything: the consumer fails closed.
 */
export class BatchConsumer {
  private running: Running | undefined;
  private admin: Admin | undefined;
  private subscribed = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private restarting: Promise<void> | undefined;
  private stopped = true;

  /** The most one partition's fetch returns (kafkajs maxBytesPerPartition). */
  private readonly maxBatchBytes: number;

  constructor(private readonly options: BatchConsumerOptions) {
    this.maxBatchBytes = options.consumerConfig?.maxBytesPerPartition ?? KAFKAJS_MAX_BYTES_PER_PARTITION;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.admin = this.options.kafka.admin();
    await this.admin.connect();
    await this.startConsumer();
    // Also for exact topics: the refresh replaces a consumer that failed to start or stopped for good.
    this.refreshTimer = setInterval(() => void this.refreshTopics(), this.options.topicRefreshMs ?? 5000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.restarting?.catch(() => undefined);
    await this.stopConsumer();
    await this.admin?.disconnect().catch(() => undefined);
  }

  /** Offsets handled and not committed yet, per consumer run (for tests and diagnostics). */
  uncommitted(): TopicPartitionOffset[] {
    return this.running?.committer.uncommitted() ?? [];
  }

  /**
   * Lets the handlers under way finish (or abandon their batch), commits what was handled,
   * then leaves the group. A batch fetched meanwhile is not handled: its next owner reads it.
   */
  private async stopConsumer(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.closing = true;
    await running.queues.close();
    await running.committer.flush().catch((error: unknown) => {
      this.options.logger?.warn({ err: error }, 'could not commit the last handled offsets; their batches will be consumed again');
    });
    running.committer.close();
    await running.consumer.disconnect().catch(() => undefined);
  }

  /** Topics currently consumed. */
  topics(): string[] {
    return [...this.subscribed].sort();
  }

  private async matchingTopics(): Promise<string[]> {
    const all = await this.admin!.listTopics();
    return all.filter((topic) =>
      this.options.topics.some((wanted) => (wanted instanceof RegExp ? wanted.test(topic) : wanted === topic)),
    );
  }

  private async startConsumer(): Promise<void> {
    const topics = await this.matchingTopics();
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      // Round robin too, for a group that still has members of an earlier version during a rolling upgrade.
      partitionAssigners: [subscriptionAwareAssigner, PartitionAssigners.roundRobin],
      ...this.options.consumerConfig,
    });
    try {
      await consumer.connect();
      if (topics.length > 0) await consumer.subscribe({ topics, fromBeginning: true });
    } catch (error) {
      // Not left connected: the next refresh starts a new one.
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    this.subscribed = new Set(topics);
    const running: Running = {
      consumer,
      committer: new OffsetCommitter({
        commit: (offsets) => consumer.commitOffsets(offsets),
        intervalMs: this.options.commitIntervalMs ?? 0,
        onError: (error) => this.options.logger?.warn({ err: error }, 'offset commit failed; retrying with the next one'),
      }),
      queues: new PartitionQueues({
        concurrency: this.options.partitionsConcurrently ?? 1,
        maxQueuedBytes: this.maxBatchBytes,
        pause: (topic, partition) => consumer.pause([{ topic, partitions: [partition] }]),
        resume: (topic, partition) => consumer.resume([{ topic, partitions: [partition] }]),
        rewind: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
        run: (work) => this.runWork(running, work),
      }),
      closing: false,
      leaving: false,
      crashed: false,
    };
    this.running = running;
    if (topics.length === 0) return; // nothing to consume yet; the refresh timer will start it
    // A rebalance is under way once kafkajs has stopped fetching: the batches waiting are
    // dropped (the new assignment fetches from the committed offsets), the work under way
    // is abandoned at its next check, and what was handled is committed before rejoining,
    // while this member's generation still counts, so that the partitions' next owners do
    // not read it again.
    consumer.on(consumer.events.REBALANCING, () => {
      running.queues.newGeneration();
      running.leaving = false;
      void running.committer.flush().catch(() => undefined);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const assignment = payload.memberAssignment;
      // Also a join kafkajs makes without a REBALANCING event (an unknown member id).
      running.queues.newGeneration((topic, partition) => assignment[topic]?.includes(partition) ?? false);
      running.leaving = false;
      running.committer.retainOnly(assignment);
    });
    // kafkajs restarts a consumer after a retriable error; after any other it disconnects
    // for good, and this process would consume with one member fewer until restarted.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      running.crashed = true;
      this.options.logger?.error({ err: payload.error }, 'the Kafka consumer stopped after an error it does not retry; replacing it at the next refresh');
    });
    const started = consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Each fetched batch waits for its own partition only.
      partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, heartbeat, isRunning, resolveOffset }) => {
        if (running.closing) return; // not handled, not committed: read again by the next owner
        // Kafka answers a heartbeat with a rebalance: thrown to kafkajs, which rejoins at once.
        // (Interval-bound: most calls send nothing.)
        await heartbeat();
        running.kafkajs = { heartbeat, isRunning };
        const generation = running.queues.generation;
        let bytes = 0;
        for (const message of batch.messages) bytes += recordBytes(message);
        let release: (() => void) | undefined;
        if (this.options.budget) {
          try {
            release = await admitted(bytes, this.options.budget, {
              heartbeat: () => this.heartbeatOf(running),
              isActive: () => !running.leaving && !running.closing && isRunning() && generation === running.queues.generation,
            });
          } catch (error) {
            if (error instanceof StaleBatch) return; // nothing handed over; fetched again
            throw error;
          }
        }
        if (running.closing || generation !== running.queues.generation) {
          release?.();
          return;
        }
        resolveOffset(batch.lastOffset());
        const queued = running.queues.push({ topic: batch.topic, partition: batch.partition, messages: batch.messages, lastOffset: batch.lastOffset(), bytes, release });
        // A partition that is behind (its batch came near full) has its next records fetched
        // as soon as this batch starts, so they are there when it ends. A partition that has
        // caught up has its next fetch when this batch ends, as kafkajs would: the fetch then
        // returns everything that arrived meanwhile, at once, and a lone small batch is not
        // fetched behind every record (each fetch costs both ends CPU that a steady trickle
        // of events cannot spare).
        await (bytes >= this.maxBatchBytes / 2 ? queued.started : queued.ended);
      },
    });
    await started.catch((error: unknown) => {
      running.crashed = true; // replaced at the next refresh
      throw error;
    });
  }

  /** A heartbeat through kafkajs; a group change in its answer makes the work under way stop. */
  private async heartbeatOf(running: Running): Promise<void> {
    try {
      await running.kafkajs?.heartbeat();
    } catch (error) {
      if (isGroupChange(error)) running.leaving = true;
      throw error;
    }
  }

  /**
   * Handles one partition's work and reports it to the committer, unless a rebalance
   * happened since it was fetched: then another member may own the partition and have
   * committed further, so this one's offset is not committed (what it handled is read again
   * by the owner, and delivered as recorded).
   */
  private async runWork(running: Running, work: PartitionWork): Promise<'handled' | 'abandoned'> {
    const context: BatchContext = {
      topic: work.topic,
      partition: work.partition,
      heartbeat: () => this.heartbeatOf(running),
      isActive: () => !running.leaving && !running.closing && work.generation === running.queues.generation && (running.kafkajs?.isRunning() ?? false),
    };
    try {
      if (work.messages.length > 0) await this.handleWithRetry(work.messages, context);
    } catch (error) {
      if (error instanceof StaleBatch) return 'abandoned';
      throw error;
    }
    if (work.generation === running.queues.generation) {
      running.committer.handled({ topic: work.topic, partition: work.partition, offset: work.nextOffset });
    }
    return 'handled';
  }

  private async handleWithRetry(messages: KafkaMessage[], context: BatchContext): Promise<void> {
    let delay = this.options.retryInitialMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      if (!context.isActive()) throw new StaleBatch();
      try {
        await this.options.handler(messages, context);
        return;
      } catch (error) {
        this.options.onFailure?.(error);
        this.options.logger?.warn(
          { err: error, topic: context.topic, partition: context.partition, attempt },
          'batch failed; holding the partition and retrying',
        );
        await sleepWithHeartbeat(delay, context);
        delay = Math.min(delay * 2, this.options.retryMaxMs ?? 10_000);
      }
    }
  }

  /**
   * Starts a new consumer when topics matching a pattern appeared, or when the current one
   * failed to start or crashed for good (Kafka away at the wrong moment); otherwise nothing.
   */
  private async refreshTopics(): Promise<void> {
    if (this.stopped || this.restarting) return;
    // Claimed before the first await: a listing slower than the refresh interval must not
    // let a second tick restart the consumer too (it would orphan one, still in the group).
    this.restarting = (async () => {
      const replace = !this.running || this.running.crashed;
      if (!replace && !this.options.topics.some((topic) => topic instanceof RegExp)) return;
      const topics = await this.matchingTopics();
      const added = topics.filter((topic) => !this.subscribed.has(topic));
      if (!replace && added.length === 0) return;
      if (added.length > 0) this.options.logger?.info({ topics: added }, 'new topics; resubscribing');
      await this.stopConsumer();
      if (!this.stopped) await this.startConsumer();
    })();
    try {
      await this.restarting;
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'could not start the Kafka consumer; trying again at the next refresh');
    } finally {
      this.restarting = undefined;
    }
  }
}

/**
 * Waits for room in the budget for a batch's bytes, heartbeating each second meanwhile;
 * a batch whose partition is lost (or whose consumer stops) while it waits is abandoned
 * uncommitted, like one that fails then.
 */
async function admitted(bytes: number, budget: InFlightBudget, context: Pick<BatchContext, 'heartbeat' | 'isActive'>): Promise<() => void> {
  const withdraw = new AbortController();
  const timer = setInterval(() => {
    if (!context.isActive()) withdraw.abort(new StaleBatch());
    else void context.heartbeat().catch(() => undefined);
  }, 1000);
  try {
    return await budget.acquire(bytes, withdraw.signal);
  } finally {
    clearInterval(timer);
  }
}

/** Heartbeat answers that mean this member must rejoin the group (kafkajs rejoins on its next request). */
const GROUP_CHANGES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

function isGroupChange(error: unknown): boolean {
  return typeof error === 'object' && error !== null && GROUP_CHANGES.has(String((error as { type?: unknown }).type));
}

async function sleepWithHeartbeat(ms: number, context: BatchContext): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && context.isActive()) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1000, until - Date.now())));
    await context.heartbeat().catch(() => undefined);
  }
}
