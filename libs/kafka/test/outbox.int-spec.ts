import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { ensureTopics, enqueue, enqueueOnce, kafkaSsl, MAX_PRODUCE_REQUEST_BYTES, OutboxRelay, outboxMigration, type OutboxMessage } from '@accord/kafka';
import { dataSourceOptions, openDatabase } from '@accord/persistence';
import { createTestDatabase, eventually, NetworkSwitch, TEST_KAFKA_BROKERS, testIdentity, testKafka, type TestDatabase } from '@accord/testing';

const PEOPLE = ['person-a', 'person-b', 'person-c', 'person-d', 'person-e'];

function message(topic: string, person: string, sequence: number): OutboxMessage {
  return { eventId: randomUUID(), topic, key: person, headers: { ce_id: randomUUID() }, value: JSON.stringify({ person, sequence }) };
}

/** Reads everything on the topic from the start until `count` records arrived. */
async function readAll(kafka: Kafka, topic: string, count: number): Promise<{ person: string; sequence: number }[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const received: { person: string; sequence: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(JSON.parse(message.value!.toString())) });
  try {
    await eventually(async () => (received.length >= count ? true : undefined), 60_000);
    // Anything beyond `count` would be a duplicate; give it a moment to show up.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return received;
  } finally {
    await consumer.disconnect();
  }
}

function expectInOrderPerPerson(received: { person: string; sequence: number }[]): void {
  for (const person of PEOPLE) {
    const sequences = received.filter((record) => record.person === person).map((record) => record.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
  }
}

describe('the transactional outbox relay against real Kafka and Postgres', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const kafka = testKafka('outbox-test');

  beforeAll(async () => {
    database = await createTestDatabase('outbox');
    dataSource = await openDatabase(dataSourceOptions({ url: database.url, schema: 'service', entities: [], migrations: [outboxMigration(1764338400001)] }));
  });
  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  async function newTopic(): Promise<string> {
    const topic = `accord.events.test-${randomUUID().slice(0, 8)}.adult-social-care`;
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 3 }]);
    await admin.disconnect();
    return topic;
  }

  async function write(messages: OutboxMessage[]): Promise<void> {
    for (const item of messages) await dataSource.transaction((manager) => enqueue(manager, [item]));
  }

  it('publishes every row exactly once and in order per person, with two relays running at once', async () => {
    const topic = await newTopic();
    const messages = Array.from({ length: 200 }, (_, index) => message(topic, PEOPLE[index % PEOPLE.length], index));
    await write(messages);
    const relays = [1, 2].map(() => new OutboxRelay({ dataSource, kafka, lockNamespace: 7001, batchSize: 7, pollIntervalMs: 20 }));
    relays.forEach((relay) => relay.start());
    try {
      const received = await readAll(kafka, topic, messages.length);
      expect(received).toHaveLength(messages.length);
      expect(new Set(received.map((record) => record.sequence)).size).toBe(messages.length);
      expectInOrderPerPerson(received);
      expect(await relays[0].backlog()).toBe(0);
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
    }
  });

  it('accepts writes while Kafka is unreachable and publishes them once, in order, when it returns', async () => {
    const topic = await newTopic();
    const network = new NetworkSwitch();
    const faultyKafka = new Kafka({
      clientId: 'outbox-faulty',
      brokers: TEST_KAFKA_BROKERS,
      ssl: kafkaSsl(testIdentity()),
      socketFactory: network.socketFactory,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 100 },
      connectionTimeout: 1000,
    });
    const relay = new OutboxRelay({ dataSource, kafka: faultyKafka, lockNamespace: 7002, pollIntervalMs: 20 });
    network.disconnect();
    relay.start();
    try {
      const messages = Array.from({ length: 60 }, (_, index) => message(topic, PEOPLE[index % PEOPLE.length], index));
      await write(messages); // every write succeeds although Kafka is unreachable
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await relay.backlog()).toBe(60);

      network.reconnect();
      const received = await readAll(kafka, topic, messages.length);
      expect(received).toHaveLength(messages.length);
      expect(new Set(received.map((record) => record.sequence)).size).toBe(messages.length);
      expectInOrderPerPerson(received);
      await eventually(async () => ((await relay.backlog()) === 0 ? true : undefined));
    } finally {
      await relay.stop();
    }
  });

  it('never enqueues the same event twice', async () => {
    const topic = await newTopic();
    const item = message(topic, 'person-a', 1);
    await write([item]);
    await expect(write([item])).rejects.toThrow(/duplicate key/);
  });

  it('enqueues once: a repeat of a row is already-enqueued, the same id with another record a conflict', async () => {
    const topic = await newTopic();
    const [first, second] = [message(topic, 'person-a', 1), message(topic, 'person-b', 2)];
    expect((await dataSource.transaction((manager) => enqueueOnce(manager, [first]))).map((result) => result.outcome)).toEqual(['enqueued']);
    // Headers come back from jsonb in another key order: still the same record.
    const reordered = { ...first, headers: Object.fromEntries(Object.entries({ ...first.headers, extra: 'x' }).reverse()) };
    const outcomes = await dataSource.transaction((manager) =>
      enqueueOnce(manager, [second, { ...first }, { ...first, value: JSON.stringify({ other: true }) }, { ...first, eventId: first.eventId.toUpperCase() }]),
    );
    expect(outcomes.map((result) => result.outcome)).toEqual(['enqueued', 'already-enqueued', 'conflict', 'already-enqueued']);
    expect((await dataSource.transaction((manager) => enqueueOnce(manager, [reordered])))[0]!.outcome).toBe('conflict');
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE event_id = ANY($1::uuid[])', [[first.eventId, second.eventId]]);
    expect(n).toBe(2);
  });

  it('publishes large rows in requests Kafka accepts: a backlog of 250 KB records for one key is cut under 1 MB per request', async () => {
    const topic = await newTopic();
    const large = Array.from({ length: 12 }, (_, sequence) => ({
      ...message(topic, 'person-a', sequence),
      value: JSON.stringify({ person: 'person-a', sequence, padding: 'x'.repeat(250 * 1024) }),
    }));
    await write(large);
    expect(MAX_PRODUCE_REQUEST_BYTES + 260 * 1024).toBeLessThan(1024 * 1024);
    const relay = new OutboxRelay({ dataSource, kafka, lockNamespace: 7003, pollIntervalMs: 20 });
    relay.start();
    try {
      const received = await readAll(kafka, topic, large.length);
      expect(received.map((record) => record.sequence)).toEqual(large.map((_, sequence) => sequence));
    } finally {
      await relay.stop();
    }
  });
});
