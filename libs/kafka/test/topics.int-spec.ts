import { randomUUID } from 'node:crypto';
import { ensureTopics } from '@accord/kafka';
import { testKafka } from '@accord/testing';

describe('ensureTopics against the real Kafka broker', () => {
  const kafka = testKafka('topics-test');

  it('lets several apps ensure the same new topics at once: each returns with every partition led', async () => {
    const admins = [kafka.admin(), kafka.admin(), kafka.admin()];
    await Promise.all(admins.map((admin) => admin.connect()));
    try {
      const topics = [`accord.test.topics-${randomUUID()}`, `accord.test.topics-${randomUUID()}`];
      const specs = topics.map((topic) => ({ topic, numPartitions: 6 }));
      await Promise.all(admins.map((admin) => ensureTopics(admin, specs)));
      const metadata = await admins[0]!.fetchTopicMetadata({ topics });
      for (const topic of metadata.topics) {
        expect(topic.partitions).toHaveLength(6);
        expect(topic.partitions.every((partition) => partition.leader >= 0)).toBe(true);
      }
      await admins[0]!.deleteTopics({ topics });
    } finally {
      await Promise.all(admins.map((admin) => admin.disconnect()));
    }
  });
});
