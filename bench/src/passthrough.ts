import { Partitioners, type Consumer, type Kafka, type Message, type Producer, type TopicPartitionOffset } from 'kafkajs';
import { Coalescer } from '@accord/kafka';
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
 * settings and the same batch discipline as the broker (eachBatch, produce the batch,
 * then commit its offsets; nothing auto-committed; the batches that finish while a send
 * or a commit is in flight share the next one, as the broker's RecordProducer and
 * BatchConsumer do), and no logic at all — every record is produced unchanged (key,
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
  // As many group members as the broker runs (BROKER_CONSUMERS), each with its own partitions.
  const consumers: Consumer[] = [];
  for (let member = 0; member < settings.consumers; member++) {
    const consumer: Consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, ...settings.consumer });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: options.sourceTopics, fromBeginning: true });
    const commits = new Coalescer<TopicPartitionOffset, void>(async (offsets) => {
      await consumer.commitOffsets([...offsets]);
      return offsets.map(() => undefined);
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: async ({ batch, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        await sends.submit(batch.messages.map((message) => ({ key: message.key, value: message.value, headers: message.headers })));
        resolveOffset(batch.lastOffset());
        await commits.submit({ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() });
      },
    });
  }
  return {
    async stop() {
      await Promise.all(consumers.map((consumer) => consumer.disconnect().catch(() => undefined)));
      await producer.disconnect().catch(() => undefined);
    },
  };
}
