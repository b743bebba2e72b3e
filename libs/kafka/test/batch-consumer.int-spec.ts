import { randomUUID } from 'node:crypto';
import { AclOperationTypes as Operation, AclPermissionTypes, AclResourceTypes as Resource, ResourcePatternTypes as Pattern, type KafkaMessage } from 'kafkajs';
import { BatchConsumer, ensureTopics, grant, HUB_IDENTITIES, InFlightBudget, recordBytes, revoke } from '@accord/kafka';
import { eventually, testKafka } from '@accord/testing';

describe('BatchConsumer against the real Kafka broker', () => {
  const kafka = testKafka('batch-consumer-test');
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const prefix = `accord.events.bc${randomUUID().slice(0, 8)}-`;
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}`);

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  async function publish(topic: string, values: string[]): Promise<void> {
    await producer.send({ topic, messages: values.map((value) => ({ key: 'k', value })) });
  }

  it('retries a failing batch without skipping it, then commits; topics created later are picked up', async () => {
    const first = `${prefix}one.adult-social-care`;
    await ensureTopics(admin, [{ topic: first, numPartitions: 1 }]);
    await publish(first, ['a1', 'a2', 'a3']);

    const seen: string[] = [];
    let failuresLeft = 2; // a dependency that is down for the first two attempts
    const groupId = `bc-${randomUUID()}`;
    const consumer = new BatchConsumer({
      kafka,
      groupId,
      topics: [pattern],
      topicRefreshMs: 500,
      retryInitialMs: 50,
      handler: async (messages: KafkaMessage[]) => {
        if (failuresLeft-- > 0) throw new Error('postgres unreachable');
        seen.push(...messages.map((message) => message.value!.toString()));
      },
    });
    await consumer.start();
    try {
      await eventually(async () => (seen.length === 3 ? true : undefined));
      expect(seen).toEqual(['a1', 'a2', 'a3']);

      const second = `${prefix}two.public-health`;
      await ensureTopics(admin, [{ topic: second, numPartitions: 1 }]);
      await publish(second, ['b1']);
      await eventually(async () => (seen.includes('b1') ? true : undefined));
      expect(consumer.topics()).toEqual([first, second]);

      const offsets = await eventually(async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [first] });
        return committed.partitions[0].offset === '3' ? committed : undefined;
      });
      expect(offsets.partitions[0].offset).toBe('3');
    } finally {
      await consumer.stop();
    }
    // Each record was handled once: the failures never half-applied a batch here.
    expect(seen.filter((value) => value === 'a1')).toHaveLength(1);
  });

  it.each([
    ['the leader subscribes to fewer topics than a member', 'narrow'],
    ['the leader subscribes to more topics than a member', 'wide'],
  ])('consumes every partition of every subscribed topic when members subscribe to different topics (%s)', async (_, first) => {
    // Members that saw a new topic at different moments, as after a participant is registered while several brokers run.
    const shared = `${prefix}shared-${first}.adult-social-care`;
    const newer = `${prefix}newer-${first}.public-health`;
    await ensureTopics(admin, [shared, newer].map((topic) => ({ topic, numPartitions: 3 })));
    const groupId = `bc-${randomUUID()}`;
    const seen = new Set<string>();
    const member = (topics: string[]) =>
      new BatchConsumer({
        kafka,
        groupId,
        topics,
        consumerConfig: { maxWaitTimeInMs: 100 },
        handler: async (messages: KafkaMessage[]) => {
          for (const message of messages) seen.add(message.value!.toString());
        },
      });
    const narrow = member([shared]);
    const wide = member([shared, newer]);
    // The first to join leads the group.
    const [leader, other] = first === 'narrow' ? [narrow, wide] : [wide, narrow];
    await leader.start();
    await other.start();
    try {
      const expected: string[] = [];
      for (const topic of [shared, newer]) {
        for (let partition = 0; partition < 3; partition++) {
          const value = `${topic}/${partition}`;
          expected.push(value);
          await producer.send({ topic, messages: [{ partition, value }] });
        }
      }
      await eventually(async () => (expected.every((value) => seen.has(value)) ? true : undefined), 20_000).catch(() => undefined);
      expect(expected.filter((value) => !seen.has(value))).toEqual([]);
    } finally {
      await Promise.all([narrow.stop(), wide.stop()]);
    }
  });

  it('commits behind the batches, and on stop commits everything handled before leaving the group', async () => {
    const topic = `${prefix}three.adult-social-care`;
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    const groupId = `bc-${randomUUID()}`;
    const seen: string[] = [];
    const consumer = new BatchConsumer({
      kafka,
      groupId,
      topics: [topic],
      // After the first commit, the next may start only a minute later: only stop() can commit the rest.
      commitIntervalMs: 60_000,
      handler: async (messages: KafkaMessage[]) => {
        seen.push(...messages.map((message) => message.value!.toString()));
      },
    });
    const committed = async () => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions[0]!.offset;
    await consumer.start();
    try {
      await publish(topic, ['c1']);
      await eventually(async () => ((await committed()) === '1' ? true : undefined));
      for (const value of ['c2', 'c3', 'c4']) await publish(topic, [value]);
      await eventually(async () => (seen.length === 4 ? true : undefined));
      // Handled, not committed yet: a crash now would consume c2..c4 again.
      expect(await committed()).toBe('1');
      expect(consumer.uncommitted()).toEqual([{ topic, partition: 0, offset: '4' }]);
    } finally {
      await consumer.stop();
    }
    expect(await committed()).toBe('4');
    expect(seen).toEqual(['c1', 'c2', 'c3', 'c4']);
  });

  it('consumers sharing a budget of bytes in flight never hold more than it at once, and still consume everything', async () => {
    const topic = `${prefix}budget.adult-social-care`;
    await ensureTopics(admin, [{ topic, numPartitions: 4 }]);
    // 400 records of ~1 KB over 4 partitions; each batch is far over the 8 KB budget's share.
    const values = Array.from({ length: 400 }, (_, index) => `${index}:${'x'.repeat(1000)}`);
    await producer.send({ topic, messages: values.map((value, index) => ({ key: `k${index}`, value })) });
    const budget = new InFlightBudget(8 * 1024);
    const groupId = `bc-${randomUUID()}`;
    let inHandlers = 0;
    let most = 0;
    let largestBatch = 0;
    const seen = new Set<string>();
    const member = () =>
      new BatchConsumer({
        kafka,
        groupId,
        topics: [topic],
        budget,
        partitionsConcurrently: 4,
        consumerConfig: { maxBytesPerPartition: 4 * 1024 },
        handler: async (messages: KafkaMessage[]) => {
          const bytes = messages.reduce((sum, message) => sum + recordBytes(message), 0);
          largestBatch = Math.max(largestBatch, bytes);
          inHandlers += bytes;
          most = Math.max(most, inHandlers);
          await new Promise((resolve) => setTimeout(resolve, 20)); // a write and a produce
          for (const message of messages) seen.add(message.value!.toString());
          inHandlers -= bytes;
        },
      });
    const consumers = [member(), member()];
    await Promise.all(consumers.map((consumer) => consumer.start()));
    try {
      await eventually(async () => (seen.size === values.length ? true : undefined), 60_000);
    } finally {
      await Promise.all(consumers.map((consumer) => consumer.stop()));
    }
    expect(most).toBeLessThanOrEqual(Math.max(budget.maxBytes, largestBatch));
    expect(most).toBeGreaterThan(0);
    expect(budget.bytesInFlight).toBe(0);
  });

  it('when a member joins, commits what was handled before the group rebalances, so nothing is consumed twice', async () => {
    const topic = `${prefix}four.adult-social-care`;
    await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
    const groupId = `bc-${randomUUID()}`;
    const handled: string[] = [];
    const member = () =>
      new BatchConsumer({
        kafka,
        groupId,
        topics: [topic],
        // Only the first commit goes at once: the rest would wait a minute but for the rebalance.
        commitIntervalMs: 60_000,
        consumerConfig: { sessionTimeout: 10_000, heartbeatInterval: 500 },
        handler: async (messages: KafkaMessage[]) => {
          handled.push(...messages.map((message) => message.value!.toString()));
        },
      });
    const first = member();
    const second = member();
    await first.start();
    try {
      const values = Array.from({ length: 20 }, (_, index) => `r${index}`);
      for (const value of values) await producer.send({ topic, messages: [{ key: value, value }] });
      await eventually(async () => (handled.length >= values.length ? true : undefined));
      expect(first.uncommitted().length).toBeGreaterThan(0);

      await second.start();
      // Both members own a partition again, and everything was committed at the rebalance.
      await eventually(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const committed = offsets!.partitions.reduce((sum, partition) => sum + Number(partition.offset), 0);
        return committed === values.length ? true : undefined;
      });
      await producer.send({ topic, messages: [{ key: 'after', value: 'after' }] });
      await eventually(async () => (handled.includes('after') ? true : undefined));
      expect([...handled].sort()).toEqual([...values, 'after'].sort());
    } finally {
      await second.stop();
      await first.stop();
    }
  });

  it('a member retrying a failing batch lets the group rebalance at once: a joining member consumes its partitions within seconds, not after the rebalance timeout', async () => {
    const topic = `${prefix}six.adult-social-care`;
    await ensureTopics(admin, [{ topic, numPartitions: 2 }]);
    await producer.send({ topic, messages: [0, 1].map((partition) => ({ partition, key: `p${partition}`, value: `p${partition}` })) });
    const groupId = `bc-${randomUUID()}`;
    const member = (handler: (messages: KafkaMessage[]) => Promise<void>) =>
      new BatchConsumer({
        kafka,
        groupId,
        topics: [topic],
        retryInitialMs: 100,
        retryMaxMs: 500,
        // A minute for members to rejoin, as kafkajs's default; heartbeats every 500 ms.
        consumerConfig: { sessionTimeout: 10_000, rebalanceTimeout: 60_000, heartbeatInterval: 500 },
        handler,
      });
    let failing = 0;
    // Its dependency is down: every batch fails, and is retried with heartbeats, holding its partition.
    const stuck = member(async () => {
      failing++;
      throw new Error('dependency unavailable');
    });
    const handled: string[] = [];
    const joining = member(async (messages) => {
      handled.push(...messages.map((message) => message.value!.toString()));
    });
    await stuck.start();
    try {
      await eventually(async () => (failing >= 2 ? true : undefined), 30_000);
      const joinedAt = Date.now();
      await joining.start();
      await eventually(async () => (handled.length > 0 ? true : undefined), 60_000);
      // Without the rebalance noticed, the group would wait up to the rebalance timeout (60 s) for the stuck member.
      expect(Date.now() - joinedAt).toBeLessThan(30_000);
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]!.members).toHaveLength(2);
    } finally {
      await joining.stop();
      await stuck.stop();
    }
  }, 90_000);

  it('replaces a consumer kafkajs gave up on: refused its consumer group, it consumes once an operator grants the group', async () => {
    const topic = `${prefix}five.adult-social-care`;
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    await publish(topic, ['g1', 'g2']);
    // The sharing broker's identity may read events topics, but only in its own groups: this one is refused (not retriable).
    const groupId = `bc-ungranted-${randomUUID()}`;
    const groupRead = [
      {
        resourceType: Resource.GROUP,
        resourceName: groupId,
        resourcePatternType: Pattern.LITERAL,
        principal: `User:${HUB_IDENTITIES.sharingBroker}`,
        host: '*',
        operation: Operation.READ,
        permissionType: AclPermissionTypes.ALLOW,
      },
    ];
    const seen: string[] = [];
    const errors: string[] = [];
    const consumer = new BatchConsumer({
      kafka: testKafka('batch-consumer-test-ungranted', HUB_IDENTITIES.sharingBroker),
      groupId,
      topics: [topic],
      topicRefreshMs: 500,
      logger: { error: (_details: unknown, message: string) => errors.push(message), warn: () => undefined, info: () => undefined } as never,
      handler: async (messages: KafkaMessage[]) => {
        seen.push(...messages.map((message) => message.value!.toString()));
      },
    });
    await consumer.start();
    try {
      await eventually(async () => (errors.length >= 2 ? true : undefined), 30_000);
      expect(errors[0]).toBe('the Kafka consumer stopped after an error it does not retry; replacing it at the next refresh');
      expect(seen).toEqual([]);

      await grant(admin, groupRead);
      await eventually(async () => (seen.length === 2 ? true : undefined), 30_000);
      expect(seen).toEqual(['g1', 'g2']);
      await eventually(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offsets!.partitions[0]!.offset === '2' ? true : undefined;
      });
    } finally {
      await consumer.stop();
      await revoke(admin, groupRead);
    }
  });
});
