import type { Admin, ITopicConfig } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
  /** Capped at the cluster size, so one spec serves a single-node dev broker and a cluster. */
  replicationFactor?: number;
  configEntries?: ITopicConfig['configEntries'];
}

/**
 * Creates the topics that do not exist yet; existing ones are left as they are.
 * Idempotent, so every app can ensure the topics it needs at start.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return [];
  const { brokers } = await admin.describeCluster();
  const topics = missing.map((spec) => spec.topic);
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((spec) => ({
        topic: spec.topic,
        numPartitions: spec.numPartitions ?? 6,
        replicationFactor: Math.min(spec.replicationFactor ?? 3, brokers.length),
        configEntries: spec.configEntries,
      })),
    });
  } catch (error) {
    // Apps start together and ensure the same topics: when another one created them a moment
    // ago, kafkajs' wait for leaders can run out of retries on "this server does not host
    // this topic-partition" before the metadata catches up (seen on a loaded machine, where
    // the app then failed to start). That is a passing state, not a failure.
    if (!isRetriable(error)) throw error;
  }
  await waitForLeaders(admin, topics);
  return topics;
}

const LEADER_WAIT_MS = 30_000;

/** Until every partition of `topics` has a leader; retriable metadata errors are waited out. */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  const deadline = Date.now() + LEADER_WAIT_MS;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (!isRetriable(error) || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics still have no leader after ${LEADER_WAIT_MS / 1000} s: ${topics.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A kafkajs error, or one it wrapped after running out of retries, that Kafka may stop giving. */
function isRetriable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++, current = (current as { cause?: unknown }).cause) {
    if ((current as { retriable?: boolean }).retriable === true) return true;
  }
  return false;
}
