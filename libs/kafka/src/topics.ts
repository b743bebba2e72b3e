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
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((spec) => ({
      topic: spec.topic,
      numPartitions: spec.numPartitions ?? 6,
      replicationFactor: Math.min(spec.replicationFactor ?? 3, brokers.length),
      configEntries: spec.configEntries,
    })),
  });
  return missing.map((spec) => spec.topic);
}
