import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { byTopic, type Outgoing } from './deliveries';

export const BROKER_KAFKA = Symbol('BROKER_KAFKA');

/**
 * Produces a batch's inbox and dead-letter records: one idempotent producer, acks from
 * every in-sync replica, one `sendBatch` per consumed batch. A failed send throws (the
 * batch is retried and its recorded decisions delivered again) and replaces the producer,
 * so a retry never inherits a broken idempotence sequence.
 */
@Injectable()
export class RecordProducer implements OnApplicationShutdown {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;

  constructor(@Inject(BROKER_KAFKA) private readonly kafka: Kafka) {}

  async send(records: readonly Outgoing[]): Promise<void> {
    if (records.length === 0) return;
    const producer = await this.connected();
    try {
      await producer.sendBatch({ acks: -1, topicMessages: byTopic(records) });
    } catch (error) {
      await this.reset();
      throw error;
    }
  }

  /** After the consumer stopped (onModuleDestroy), so no batch is still sending. */
  async onApplicationShutdown(): Promise<void> {
    await this.reset();
  }

  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    this.connecting ??= (async () => {
      // Naming the (default) murmur2 partitioner keeps Java clients' key → partition mapping.
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw error;
      }
      this.producer = producer;
      return producer;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reset(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}
