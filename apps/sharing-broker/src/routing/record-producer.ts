import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Kafka, Producer } from 'kafkajs';
import { Coalescer, KeyHashPartitioner, LazyClient, MAX_PRODUCE_REQUEST_BYTES, recordBytes } from '@accord/kafka';
import { byTopic, type Outgoing } from './deliveries';

export const BROKER_KAFKA = Symbol('BROKER_KAFKA');

/** Records one produce request may carry when batches' sends are grouped. */
export const MAX_SEND_RECORDS = 5000;


/**
 * Produces the batches' inbox and dead-letter records: one idempotent producer, acks from
 * every in-sync replica. The batches whose records are ready in one turn of the event loop,
 * or while a send is in flight, go together in one `sendBatch` (one request, one wait; see
 * Coalescer). A failed send throws to every
 * batch of it (each is retried and its recorded decisions delivered again) and replaces
 * the producer, so a retry never inherits a broken idempotence sequence.
 */
@Injectable()
export class RecordProducer implements OnApplicationShutdown {
  // The murmur2 key → partition mapping of Java clients and kafkajs's DefaultPartitioner, without its per-record garbage.
  private readonly producer = new LazyClient<Producer>(() =>
    this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: KeyHashPartitioner,
    }),
  );
  private readonly sends = new Coalescer<readonly Outgoing[], void>((groups) => this.sendTogether(groups), {
    maxSize: MAX_SEND_RECORDS,
    sizeOf: (records) => records.length,
  });

  constructor(@Inject(BROKER_KAFKA) private readonly kafka: Kafka) {}

  /** Resolves once every record is acknowledged. */
  async send(records: readonly Outgoing[]): Promise<void> {
    if (records.length === 0) return;
    await this.sends.submit(records);
  }

  private async sendTogether(groups: readonly (readonly Outgoing[])[]): Promise<void[]> {
    const producer = await this.producer.get();
    try {
      // One request after another: the idempotent producer keeps each partition's order.
      for (const records of requestsOf(groups.length === 1 ? groups[0]! : groups.flat())) {
        await producer.sendBatch({ acks: -1, topicMessages: byTopic(records) });
      }
    } catch (error) {
      await this.reset();
      throw error;
    }
    return groups.map(() => undefined);
  }

  /** After the consumer stopped (onModuleDestroy), so no batch is still sending. */
  async onApplicationShutdown(): Promise<void> {
    await this.reset();
  }

  private reset(): Promise<void> {
    return this.producer.reset();
  }
}

/** The records in order, cut into runs of at most MAX_PRODUCE_REQUEST_BYTES (a larger record alone). */
export function requestsOf(records: readonly Outgoing[]): Outgoing[][] {
  const requests: Outgoing[][] = [];
  let current: Outgoing[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordBytes(record.message);
    if (current.length > 0 && bytes + size > MAX_PRODUCE_REQUEST_BYTES) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
