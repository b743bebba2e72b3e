import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka, KafkaMessage, Message } from 'kafkajs';
import { headerText } from '@accord/contracts';
import { createKafka, defineHeader, HUB_IDENTITIES } from '@accord/kafka';
import { TEST_KAFKA_BROKERS } from './environment';
import type { NetworkSwitch } from './network-faults';
import { eventually, testIdentity, testKafka } from './kafka';

export interface RecordedMessage {
  topic: string;
  partition: number;
  key: string;
  headers: Record<string, string>;
  value: string;
  message: KafkaMessage;
}

/**
 * Reads topics from the beginning in the background and keeps every message, so a test
 * can assert on what was published (and how many times) without a consumer per check.
 */
export class TopicRecorder {
  readonly messages: RecordedMessage[] = [];
  private consumer: Consumer | undefined;

  private constructor(private readonly kafka: Kafka) {}

  static async start(topics: string[], kafka: Kafka = testKafka('accord-test-recorder')): Promise<TopicRecorder> {
    const recorder = new TopicRecorder(kafka);
    const consumer = kafka.consumer({ groupId: `accord-test-recorder-${randomBytes(4).toString('hex')}`, allowAutoTopicCreation: false });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    let joined!: () => void;
    const groupJoined = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const name of Object.keys(message.headers ?? {})) {
          const text = headerText(message.headers, name);
          if (text !== undefined) defineHeader(headers, name, text);
        }
        recorder.messages.push({ topic, partition, key: message.key?.toString() ?? '', headers, value: message.value?.toString() ?? '', message });
      },
    });
    await groupJoined;
    recorder.consumer = consumer;
    return recorder;
  }

  /** Messages whose `ce_id` header is one of `eventIds`, once at least `count` of them arrived. */
  async waitFor(predicate: (message: RecordedMessage) => boolean, count: number, timeoutMs = 30_000): Promise<RecordedMessage[]> {
    return eventually(async () => {
      const matching = this.messages.filter(predicate);
      return matching.length >= count ? matching : undefined;
    }, timeoutMs);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}

/** A Kafka client whose connections go through `network`, failing fast while it is cut. */
export function switchableKafka(network: NetworkSwitch, identity: string = HUB_IDENTITIES.operator): Kafka {
  return createKafka({
    clientId: `accord-test-switchable-${identity}`,
    brokers: TEST_KAFKA_BROKERS,
    identity: testIdentity(identity),
    overrides: { socketFactory: network.socketFactory, connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } },
  });
}

/** Produces messages as a partner (or the broker) would, with a throwaway producer. */
export async function produce(topic: string, messages: Message[], kafka: Kafka = testKafka('accord-test-producer')): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, messages, acks: -1 });
  } finally {
    await producer.disconnect();
  }
}
