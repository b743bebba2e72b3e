import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { HUB_API_GROUP_PREFIX } from '@accord/kafka';

export interface TopicWindow {
  /** Oldest first (by record timestamp), at most `maxRecords`. */
  messages: KafkaMessage[];
  /** False when the end offsets were not reached within the time allowed. */
  complete: boolean;
}

interface PartitionRange {
  partition: number;
  /** First offset to read. */
  start: number;
  /** End offset (exclusive) when the read began: records produced later are not part of the window. */
  end: number;
}

/**
 * The most recent records still on a topic, at most `maxRecords`: per partition, from
 * max(low, high − maxRecords) to the end offset of the moment, then the newest
 * `maxRecords` overall. A throw-away consumer group reads them (seeking each partition
 * to its start, never committing) and is deleted afterwards.
 */
export async function readRecentRecords(kafka: Kafka, topic: string, maxRecords: number, timeoutMs: number): Promise<TopicWindow> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${HUB_API_GROUP_PREFIX}-simulate-${randomUUID()}`;
  let used = false;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const ranges: PartitionRange[] = offsets
      .map(({ partition, low, high }) => ({ partition, start: Math.max(Number(low), Number(high) - maxRecords), end: Number(high) }))
      .filter((range) => range.end > range.start);
    if (ranges.length === 0) return { messages: [], complete: true };
    used = true;
    const { messages, complete } = await consume(kafka, groupId, topic, ranges, timeoutMs);
    const newest = messages
      .sort((a, b) => Number(b.timestamp) - Number(a.timestamp))
      .slice(0, maxRecords)
      .reverse();
    return { messages: newest, complete };
  } finally {
    if (used) await deleteGroup(admin, groupId);
    await admin.disconnect().catch(() => undefined);
  }
}

async function consume(
  kafka: Kafka,
  groupId: string,
  topic: string,
  ranges: PartitionRange[],
  timeoutMs: number,
): Promise<{ messages: KafkaMessage[]; complete: boolean }> {
  const byPartition = new Map(ranges.map((range) => [range.partition, range]));
  const remaining = new Set(byPartition.keys());
  const messages: KafkaMessage[] = [];
  // Nothing is committed, and a fetch may start before the seeks land: offsets outside a range, or seen twice, are skipped.
  const seen = new Set<string>();
  /** Partitions from which a record of the range arrived: the seek has taken effect there. */
  const started = new Set<number>();
  let finished!: () => void;
  const allRead = new Promise<void>((resolve) => (finished = resolve));
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 250, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, isStale }) => {
        const range = byPartition.get(batch.partition);
        if (!range || !remaining.has(batch.partition) || isStale()) return;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          const position = `${batch.partition}:${message.offset}`;
          if (offset < range.start || offset >= range.end || seen.has(position)) continue;
          seen.add(position);
          started.add(batch.partition);
          messages.push(message);
        }
        // Records arrive in offset order from the seek on, so once one of the range has arrived, a batch
        // reaching the range's end means every record of it was seen (gaps left by compaction included).
        if (started.has(batch.partition) && Number(batch.lastOffset()) >= range.end - 1) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finished();
        }
      },
    });
    for (const range of ranges) consumer.seek({ topic, partition: range.partition, offset: String(range.start) });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([allRead, timedOut]);
    return { messages: [...messages], complete: outcome !== 'timeout' };
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
  }
}

/** The group has just been left; the coordinator may take a moment to see it empty. */
async function deleteGroup(admin: ReturnType<Kafka['admin']>, groupId: string): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await admin.deleteGroups([groupId]);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
    }
  }
}
