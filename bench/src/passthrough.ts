import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import { BatchConsumer, Coalescer, InFlightBudget } from '@accord/kafka';
import { MAX_SEND_RECORDS } from '../../apps/sharing-broker/src/routing/record-producer';
import type { BatchSettings } from './batch-settings';

export interface PassthroughOptions {
  kafka: Kafka;
  groupId: string;
  sourceTopics: string[];
  outputTopic: string;
  settings: BatchSettings;
}

/**
 * The physical limit the broker is compared with: the same kafkajs consumer and producer
 * settings and the same batch discipline as the broker — the broker's own BatchConsumer
 * (eachBatch, produce the batch, then report its offsets to the background committer) and
 * the batches that finish while a send is in flight sharing the next one, as the broker's
 * RecordProducer does — and no logic at all: every record is produced unchanged (key,
 * headers, value) to one output topic.
 */
export async function startPassthrough(options: PassthroughOptions): Promise<{ stop(): Promise<void> }> {
  const { kafka, settings } = options;
  const producer: Producer = kafka.producer({ ...settings.producer, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const sends = new Coalescer<Message[], void>(async (groups) => {
    await producer.send({ topic: options.outputTopic, acks: settings.acks, messages: groups.flat() });
    return groups.map(() => undefined);
  }, { maxSize: MAX_SEND_RECORDS, sizeOf: (messages) => messages.length });
  // As many group members as the broker runs (BROKER_CONSUMERS), each with its own partitions, sharing one budget as the broker's do.
  const budget = new InFlightBudget(settings.maxBytesInFlight);
  const consumers = Array.from(
    { length: settings.consumers },
    () =>
      new BatchConsumer({
        kafka,
        groupId: options.groupId,
        topics: options.sourceTopics,
        consumerConfig: settings.passthroughConsumer,
        partitionsConcurrently: settings.partitionsConsumedConcurrently,
        commitIntervalMs: settings.commitIntervalMs,
        budget,
        handler: async (messages) => {
          if (messages.length === 0) return;
          await sends.submit(messages.map((message) => ({ key: message.key, value: message.value, headers: message.headers })));
        },
      }),
  );
  for (const consumer of consumers) await consumer.start();
  return {
    async stop() {
      await Promise.all(consumers.map((consumer) => consumer.stop().catch(() => undefined)));
      await producer.disconnect().catch(() => undefined);
    },
  };
}
