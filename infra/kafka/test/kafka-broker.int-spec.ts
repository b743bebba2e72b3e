/**
 * Proves the client we ship (kafkajs 2.2.4) works against the broker we run (Apache Kafka
 * 4.1, which removed many old protocol versions — KIP-896). Runs against the real broker
 * started by infra/kafka/kafka.sh (the integration globalSetup starts it), over TLS as the
 * operator identity (the broker has no other listener); nothing mocked.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Admin, CompressionTypes, Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { kafkaSsl } from '@accord/kafka';
import { testIdentity } from '@accord/testing';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

function kafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: BROKERS, ssl: kafkaSsl(testIdentity()), logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** Polls until `probe` stops throwing (the group coordinator settles asynchronously). */
async function eventually<T>(probe: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('kafkajs against the development Kafka broker', () => {
  const suffix = randomBytes(4).toString('hex');
  const topic = `accord.test.kafka-broker-${suffix}`;
  const groupId = `accord-test-kafka-broker-${suffix}`;
  let admin: Admin;

  beforeAll(async () => {
    admin = kafka('accord-test-admin').admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  });

  it('describes the cluster (KRaft, one broker, an active controller)', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.controller).not.toBeNull();
    expect(typeof cluster.clusterId).toBe('string');
  });

  it('creates a topic with 3 partitions', async () => {
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    expect(await admin.listTopics()).toContain(topic);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(3);
  });

  it('round-trips key, headers and JSON value through an idempotent producer and a group consumer (eachBatch), and commits offsets', async () => {
    const client = kafka('accord-test-client');
    const producer = client.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();

    const key = `person-${suffix}`;
    const eventId = randomUUID();
    const headers = {
      ce_specversion: '1.0',
      ce_id: eventId,
      ce_source: 'urn:accord:southampton.adult-social-care',
      ce_type: 'asc.service.started.v1',
      ce_time: new Date().toISOString(),
      'content-type': 'application/json',
    };
    const value = {
      subject: { localId: key, name: { given: 'Ada', family: 'Lovelace' }, postcode: 'SO14 7LY' },
      serviceType: 'long-term-residential',
      startDate: '2026-04-02',
      note: 'unicode survives: café ✓',
    };

    const [sent] = await producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: [{ key, value: JSON.stringify(value), headers }],
    });
    expect(sent.errorCode).toBe(0);
    // A second record with the same key lands on the same partition, one offset later.
    const [second] = await producer.send({ topic, acks: -1, messages: [{ key, value: JSON.stringify({ ...value, seq: 2 }), headers }] });
    expect(second.partition).toBe(sent.partition);
    expect(Number(second.baseOffset)).toBe(Number(sent.baseOffset) + 1);
    await producer.disconnect();

    const partitionOffsets = await admin.fetchTopicOffsets(topic);
    const ours = partitionOffsets.find((p) => p.partition === sent.partition);
    expect(ours).toBeDefined();
    expect(Number(ours!.high)).toBe(Number(sent.baseOffset) + 2);
    expect(partitionOffsets.filter((p) => p.partition !== sent.partition).every((p) => p.high === '0')).toBe(true);

    const consumer = client.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 500,
      allowAutoTopicCreation: false,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received: { partition: number; message: KafkaMessage }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
            for (const message of batch.messages) {
              received.push({ partition: batch.partition, message });
              resolveOffset(message.offset);
            }
            await commitOffsetsIfNecessary({
              topics: [
                {
                  topic: batch.topic,
                  partitions: [{ partition: batch.partition, offset: (Number(batch.lastOffset()) + 1).toString() }],
                },
              ],
            });
            await heartbeat();
            if (received.length >= 2) resolve();
          },
        })
        .catch(reject);
    });
    try {
      await within(60_000, 'consuming both records', done);

      const first = received[0];
      expect(first.partition).toBe(sent.partition);
      expect(first.message.key?.toString()).toBe(key);
      const gotHeaders = Object.fromEntries(Object.entries(first.message.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
      expect(gotHeaders).toEqual(headers);
      expect(JSON.parse(first.message.value!.toString('utf8'))).toEqual(value);
      expect(JSON.parse(received[1].message.value!.toString('utf8')).seq).toBe(2);

      await eventually(async () => {
        const groups = await admin.describeGroups([groupId]);
        expect(groups.groups[0].groupId).toBe(groupId);
        expect(groups.groups[0].state).toBe('Stable');
        expect(groups.groups[0].protocolType).toBe('consumer');
        expect(groups.groups[0].members).toHaveLength(1);
      });
    } finally {
      await consumer.disconnect();
    }

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed.topic).toBe(topic);
    const committedOnOurs = committed.partitions.find((p) => p.partition === sent.partition);
    expect(committedOnOurs?.offset).toBe(String(Number(sent.baseOffset) + 2));

    await eventually(async () => {
      const afterLeave = await admin.describeGroups([groupId]);
      expect(afterLeave.groups[0].state).toBe('Empty');
    });
  });

  it('lists consumer groups and resets offsets of an empty group', async () => {
    const { groups } = await admin.listGroups();
    expect(groups.map((g) => g.groupId)).toContain(groupId);
    await eventually(async () => expect((await admin.describeGroups([groupId])).groups[0].state).toBe('Empty'));
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] });
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets.partitions.find((p) => p.partition === 0)?.offset).toBe('0');
  });

  it('describes topic configs (the retention set at creation)', async () => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['retention.ms'] }],
    });
    expect(described.resources[0].configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('3600000');
  });

  it('refuses to auto-create topics (auto.create.topics.enable=false)', async () => {
    const producer = kafka('accord-test-no-autocreate').producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
    await producer.connect();
    try {
      await expect(
        producer.send({ topic: `accord.test.never-created-${suffix}`, messages: [{ value: 'x' }], timeout: 3000 }),
      ).rejects.toThrow();
    } finally {
      await producer.disconnect();
    }
    expect(await admin.listTopics()).not.toContain(`accord.test.never-created-${suffix}`);
  });

  it('deletes the topic', async () => {
    await admin.deleteGroups([groupId]);
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    const deadline = Date.now() + 15_000;
    while ((await admin.listTopics()).includes(topic) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await admin.listTopics()).not.toContain(topic);
  });
});
