import { Partitioners, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { createKafka, ensureTopics, HUB_IDENTITIES, readKafkaIdentity } from '@accord/kafka';
import { progress, throttled } from './progress';

/**
 * The harness and the passthrough baseline connect over TLS like everything else, as the
 * operator (they create and delete the run's topics). The passthrough keeps kafkajs's own
 * record codec (`stockRecordCodec`): it is the baseline of stock kafkajs.
 */
export function benchKafka(brokers: string[], clientId: string, options: { stockRecordCodec?: boolean } = {}): Kafka {
  return createKafka({ brokers, clientId, identity: readKafkaIdentity(process.env.KAFKA_TLS_DIR ?? '.run/pki', HUB_IDENTITIES.operator), ...options });
}

/** A publisher like the domain services' outbox relay: idempotent, acks=all, murmur2 partitioner. */
export async function publisher(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

/** The topic setting with which Kafka stamps each record with the time it appended it. */
export const APPEND_TIMESTAMPS = { name: 'message.timestamp.type', value: 'LogAppendTime' } as const;

/** Creates the topics; `timestamps: 'append'` gives them APPEND_TIMESTAMPS. */
export async function createTopics(admin: Admin, topics: string[], partitions: number, timestamps: 'create' | 'append' = 'create'): Promise<void> {
  const configEntries = timestamps === 'append' ? [APPEND_TIMESTAMPS] : undefined;
  await ensureTopics(
    admin,
    topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1, configEntries })),
  );
}

/** Deletes only the given topics (this run's own). */
export async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const mine = topics.filter((topic) => existing.has(topic));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
}

export async function deleteGroups(admin: Admin, groups: string[]): Promise<void> {
  const existing = new Set((await admin.listGroups()).groups.map((group) => group.groupId));
  const mine = groups.filter((group) => existing.has(group));
  if (mine.length > 0) await admin.deleteGroups(mine).catch(() => undefined);
}

/** Sum of the high watermarks of the topics' partitions. */
export async function endOffsets(admin: Admin, topics: string[]): Promise<number> {
  let total = 0;
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) total += Number(partition.high);
  }
  return total;
}

/** Sum of the group's committed offsets on the topics (0 for a partition it has not committed yet). */
export async function committedOffsets(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  const offsets = await admin.fetchOffsets({ groupId, topics });
  let total = 0;
  for (const topic of offsets) for (const partition of topic.partitions) total += Math.max(0, Number(partition.offset));
  return total;
}

/**
 * Sends all messages with `sendBatch` in chunks of about a megabyte (the size a real
 * relay or producer batches to), reporting progress.
 */
export async function produceAll(
  producer: Producer,
  messages: Iterable<{ topic: string; message: Message }>,
  total: number,
  label: string,
): Promise<void> {
  const report = throttled();
  let sent = 0;
  let pending = new Map<string, Message[]>();
  let pendingCount = 0;
  const flush = async () => {
    if (pendingCount === 0) return;
    const topicMessages = [...pending].map(([topic, batch]) => ({ topic, messages: batch }));
    pending = new Map();
    sent += pendingCount;
    pendingCount = 0;
    await producer.sendBatch({ acks: -1, topicMessages });
    report(() => `${label}: ${sent.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')} published`);
  };
  for (const { topic, message } of messages) {
    const list = pending.get(topic);
    if (list) list.push(message);
    else pending.set(topic, [message]);
    if (++pendingCount >= 1000) await flush();
  }
  await flush();
  progress(`${label}: ${sent.toLocaleString('en-GB')} published`);
}
