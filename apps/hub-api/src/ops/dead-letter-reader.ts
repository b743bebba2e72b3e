import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HubApiEnvironment } from '../environment';
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { DLQ_TOPIC, readDeadLetter, type DeadLetter } from '@accord/contracts';
import { HUB_KAFKA_FAIL_FAST } from '../hub-kafka';
import { DLQ_READER_GROUP_PREFIX, OpsAdmin } from './ops-kafka';

/** One record of accord.dlq as read: enough to list it and to re-publish it unchanged. */
export interface HeldDeadLetter {
  partition: number;
  offset: string;
  /** When the broker appended it to the DLQ (epoch ms). */
  appendedAt: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** The dead-letter headers; undefined when the record does not carry them. */
  letter: DeadLetter | undefined;
}

export interface DeadLetterPosition {
  /** True when every record up to the end of each partition has been read. */
  complete: boolean;
  /** Records in the topic now (end minus start offsets). */
  depth: number;
}

/**
 * Reads accord.dlq from the beginning into memory and keeps following it. A Kafka topic
 * cannot be queried, and the DLQ is small by design (rejects only, 30 days), so the hub
 * holds it — up to OPS_DLQ_MAX_RECORDS, oldest dropped first — to count, list and
 * redrive. Its consumer group never commits: every hub-api instance reads it all.
 */
@Injectable()
export class DeadLetterReader implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeadLetterReader.name);
  private readonly held = new Map<string, HeldDeadLetter>();
  private readonly positions = new Map<number, bigint>();
  private readonly maxRecords: number;
  private consumer: Consumer | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private dropped = 0;

  constructor(
    @Inject(HUB_KAFKA_FAIL_FAST) private readonly kafka: Kafka,
    private readonly admin: OpsAdmin,
    environment: HubApiEnvironment,
  ) {
    this.maxRecords = environment.OPS_DLQ_MAX_RECORDS;
  }

  onApplicationBootstrap(): void {
    // In the background: the hub serves everything else while Kafka (or the topic) is not there yet.
    void this.start(1000);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.consumer?.disconnect().catch(() => undefined);
    this.consumer = undefined;
  }

  /** The records held, oldest first. */
  records(): HeldDeadLetter[] {
    return [...this.held.values()];
  }

  find(partition: number, offset: string): HeldDeadLetter | undefined {
    return this.held.get(`${partition}:${offset}`);
  }

  /** Records dropped from memory because there were more than OPS_DLQ_MAX_RECORDS. */
  droppedCount(): number {
    return this.dropped;
  }

  /** Waits (up to `timeoutMs`) until everything in the DLQ now has been read. */
  async catchUp(timeoutMs: number): Promise<DeadLetterPosition> {
    const read = () => this.admin.use((admin) => admin.fetchTopicOffsets(DLQ_TOPIC));
    // One retry: a failure resets the shared admin, which is what a stale metadata cache needs.
    const offsets = await read().catch(read);
    const depth = offsets.reduce((sum, entry) => sum + Number(BigInt(entry.high) - BigInt(entry.low)), 0);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const complete = offsets.every((entry) => entry.high === entry.low || (this.positions.get(entry.partition) ?? -1n) >= BigInt(entry.high));
      if (complete || Date.now() >= deadline) return { complete, depth };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async start(retryMs: number): Promise<void> {
    if (this.stopped) return;
    const consumer = this.kafka.consumer({
      // A group of its own per process; never committed, so it starts from the beginning each time.
      groupId: `${DLQ_READER_GROUP_PREFIX}${randomUUID()}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [DLQ_TOPIC], fromBeginning: true });
      consumer.on(consumer.events.CRASH, (event) => {
        if (event.payload.restart) return; // kafkajs restarts it itself
        this.logger.warn({ err: event.payload.error }, 'DLQ reader crashed; restarting');
        void consumer.disconnect().catch(() => undefined);
        this.scheduleStart(1000);
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) this.hold(batch.partition, message.offset, message);
          if (batch.messages.length > 0) this.positions.set(batch.partition, BigInt(batch.lastOffset()) + 1n);
        },
      });
      this.consumer = consumer;
      if (this.stopped) await consumer.disconnect().catch(() => undefined);
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      this.logger.warn({ err: error }, 'could not start reading the DLQ; will retry');
      this.scheduleStart(Math.min(retryMs * 2, 15_000));
    }
  }

  private scheduleStart(retryMs: number): void {
    if (this.stopped) return;
    this.consumer = undefined;
    this.retryTimer = setTimeout(() => void this.start(retryMs), retryMs);
    this.retryTimer.unref();
  }

  private hold(partition: number, offset: string, message: { key: Buffer | null; value: Buffer | null; headers?: IHeaders; timestamp: string }): void {
    const id = `${partition}:${offset}`;
    if (this.held.has(id)) return;
    const headers = message.headers ?? {};
    this.held.set(id, {
      partition,
      offset,
      appendedAt: Number(message.timestamp),
      key: message.key,
      value: message.value,
      headers,
      letter: readDeadLetter(headers),
    });
    while (this.held.size > this.maxRecords) {
      this.held.delete(this.held.keys().next().value!);
      this.dropped++;
    }
  }
}
