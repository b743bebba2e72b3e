import { randomBytes, randomUUID } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { DEAD_LETTER_HEADERS, deadLetterHeaders, DLQ_TOPIC, inboxTopic } from '@accord/contracts';
import {
  createTestDatabase,
  eventually,
  produce,
  startTestApp,
  TcpProxy,
  TEST_KAFKA_BROKERS,
  TEST_POSTGRES_URL,
  testKafka,
  TopicRecorder,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

const ADMIN_TOKEN = 'test-admin-token-ops-0123456789';
const WINDOW_MS = 6000;

interface GroupView {
  groupId: string;
  status: string;
  state: string;
  lag: number;
  lagSeconds: number;
  members: number;
  partitions: Array<{ topic: string; partition: number; lag: number; committedOffset: number | null }>;
}

describe('hub-api topic health for ops (docs/contract.md, "Topic health")', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let kafka: Kafka;
  let admin: Admin;
  let opsToken: string;
  let auditorToken: string;
  const postgresProxy = TcpProxy.forUrl(TEST_POSTGRES_URL, 5432);
  const kafkaProxy = TcpProxy.forUrl(`kafka://${TEST_KAFKA_BROKERS[0]}`, 9092);
  const suffix = randomBytes(4).toString('hex');
  const topic = `accord.events.test-ops-${suffix}.adult-social-care`;
  const consumers: Consumer[] = [];
  // Releases the consumer the stalled test holds on a batch, so it can disconnect.
  let release: () => void = () => undefined;

  beforeAll(async () => {
    database = await createTestDatabase('hub_ops');
    await postgresProxy.start();
    await kafkaProxy.start();
    kafka = testKafka('accord-test-ops');
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    // Postgres and the Kafka bootstrap go through proxies this test can cut (the last tests do).
    const kafkaBootstrap = new URL(kafkaProxy.rewrite(`kafka://${TEST_KAFKA_BROKERS[0]}`)).host;
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: {
        DATABASE_URL: postgresProxy.rewrite(database.url),
        KAFKA_BROKERS: kafkaBootstrap,
        ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
        OPS_WINDOW_MS: String(WINDOW_MS),
        OPS_SAMPLE_INTERVAL_MS: '500',
        OPS_REDRIVE_LIMIT: '3',
      },
      module: (environment) => AppModule.forRoot(environment),
    });
    opsToken = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['ops'] } })).body.token;
    auditorToken = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['auditor'] } })).body.token;
  });

  afterAll(async () => {
    release();
    for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
    await hub?.close();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await postgresProxy.close();
    await kafkaProxy.close();
    await database?.drop();
  });

  async function groupOf(groupId: string): Promise<GroupView | undefined> {
    const response = await hub.request('GET', '/v1/ops/consumer-groups', { token: opsToken });
    expect(response.status).toBe(200);
    return (response.body.groups as GroupView[]).find((group) => group.groupId === groupId);
  }

  async function startConsumer(groupId: string, onBatch?: (heartbeat: () => Promise<void>) => Promise<void>): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 60_000, heartbeatInterval: 1000 });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let joined!: () => void;
    const groupJoined = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({ eachBatch: async ({ heartbeat }) => (onBatch ? onBatch(heartbeat) : undefined) });
    await groupJoined;
    return consumer;
  }

  function messages(count: number) {
    return Array.from({ length: count }, (_, index) => ({ key: `person-${index}`, value: JSON.stringify({ index }) }));
  }

  it('needs the ops role: 401 without a token, 403 for an auditor', async () => {
    expect((await hub.request('GET', '/v1/ops/topics')).status).toBe(401);
    const forbidden = await hub.request('GET', '/v1/ops/consumer-groups', { token: auditorToken });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('forbidden');
    expect((await hub.request('GET', '/metrics', { token: auditorToken })).status).toBe(403);
    expect((await hub.request('GET', '/metrics')).status).toBe(401);
  });

  it('documents the ops routes in the OpenAPI document, and not the console', async () => {
    const document = await hub.request('GET', '/docs/openapi.json');
    expect(document.status).toBe(200);
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining(['/v1/ops/topics', '/v1/ops/consumer-groups', '/v1/ops/timeline', '/v1/ops/dlq', '/v1/ops/dlq/redrive', '/metrics']),
    );
    expect(document.body.paths['/']).toBeUndefined();
    expect(document.body.components.schemas.DeadLetterSummary.required).toEqual(expect.arrayContaining(['depth', 'oldestRecordAgeSeconds', 'byReason']));
  });

  it('serves the console page without a token, with a strict content security policy', async () => {
    const page = await hub.request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('Bearer token');
    expect((await hub.request('GET', '/console/console.js')).headers.get('content-type')).toContain('text/javascript');
    expect((await hub.request('GET', '/console/..%2Fconsole.controller.ts')).status).toBe(404);
  });

  it('lists topics with partitions, end offsets and records per second over the window', async () => {
    const topicView = async () => {
      const response = await hub.request('GET', '/v1/ops/topics', { token: opsToken });
      expect(response.status).toBe(200);
      return { body: response.body, found: response.body.topics.find((item: { topic: string }) => item.topic === topic) };
    };
    await eventually(async () => ((await topicView()).found ? true : undefined), 10_000);
    await produce(topic, messages(20), kafka);
    const view = await eventually(async () => {
      const current = await topicView();
      return current.found?.messagesPerSecond > 0 && current.found.messages === 20 ? current : undefined;
    }, 20_000);
    expect(view.body).toMatchObject({ windowSeconds: WINDOW_MS / 1000, stale: false, sampledAt: expect.any(String) });
    expect(view.found.partitions).toHaveLength(2);
    expect(view.found.partitions.reduce((sum: number, partition: { endOffset: number }) => sum + partition.endOffset, 0)).toBe(20);
  });

  it('reports a group ok once caught up, stopped (with lag in records and seconds) when its consumer goes, and ok again once it is back and caught up', async () => {
    const groupId = `accord-test-ops-group-${suffix}`;
    await produce(topic, messages(3), kafka);
    let consumer = await startConsumer(groupId);
    const caughtUp = await eventually(async () => {
      const group = await groupOf(groupId);
      return group?.status === 'ok' && group.lag === 0 && group.members === 1 ? group : undefined;
    }, 30_000);
    expect(caughtUp.partitions.map((partition) => partition.topic)).toEqual([topic, topic]);

    await consumer.disconnect();
    await produce(topic, messages(7), kafka);
    const stopped = await eventually(async () => {
      const group = await groupOf(groupId);
      return group?.status === 'stopped' && group.lag === 7 ? group : undefined;
    }, WINDOW_MS + 10_000);
    expect(stopped).toMatchObject({ members: 0, state: 'Empty' });
    await eventually(async () => ((await groupOf(groupId))!.lagSeconds >= 1 ? true : undefined), 10_000);

    consumer = await startConsumer(groupId);
    await eventually(async () => {
      const group = await groupOf(groupId);
      return group?.status === 'ok' && group.lag === 0 ? group : undefined;
    }, 30_000);
    await consumer.disconnect();
  });

  it('reports a group stalled when it holds its partitions but commits nothing while records wait', async () => {
    const groupId = `accord-test-ops-stalled-${suffix}`;
    const released = new Promise<void>((resolve) => (release = resolve));
    await startConsumer(groupId, async (heartbeat) => {
      // Stuck on the batch (say, a dependency is down) while keeping its membership alive.
      while (!(await Promise.race([released.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 500))]))) {
        await heartbeat();
      }
    });
    const seen: string[] = [];
    const stalled = await eventually(async () => {
      const group = await groupOf(groupId);
      if (group) seen.push(group.status);
      return group?.status === 'stalled' ? group : undefined;
    }, WINDOW_MS * 3);
    expect(stalled.members).toBe(1);
    expect(stalled.lag).toBeGreaterThan(0);
    expect(seen).not.toContain('stopped');
  });

  describe('the dead-letter queue', () => {
    const sourceParticipant = `test-ops-dlq-${suffix}.adult-social-care`;
    const sourceTopic = `accord.events.${sourceParticipant}`;
    let recorder: TopicRecorder;

    beforeAll(async () => {
      // Registered, so its events topic is one a redrive may publish to (the hub creates it).
      const registered = await hub.request('PUT', `/v1/participants/${sourceParticipant}`, { token: ADMIN_TOKEN, body: { displayName: 'DLQ source' } });
      expect(registered.status).toBeLessThan(300);
      recorder = await TopicRecorder.start([sourceTopic], kafka);
    });
    afterAll(async () => {
      await recorder?.stop();
      await admin.deleteTopics({ topics: [sourceTopic, inboxTopic(sourceParticipant)] }).catch(() => undefined);
    });

    function deadLetter(eventId: string, redriveCount: number, reason: 'invalid-payload' | 'invalid-identifier' = 'invalid-payload', topic = sourceTopic) {
      return {
        key: `person-${eventId}`,
        value: JSON.stringify({ subject: { localId: 'p-1' }, broken: true }),
        headers: {
          ce_specversion: '1.0',
          ce_id: eventId,
          ce_source: 'urn:accord:test-ops.adult-social-care',
          ce_type: 'asc.service.started.v1',
          ...(redriveCount > 0 ? { [DEAD_LETTER_HEADERS.redriveCount]: String(redriveCount) } : {}),
          ...deadLetterHeaders({
            reason,
            problems: [{ path: 'serviceType', problem: 'is required' }],
            topic,
            partition: 0,
            offset: '5',
            rejectedAt: new Date().toISOString(),
            decisionId: randomUUID(),
            redriveCount,
          }),
        },
      };
    }

    async function dlq(query = `topic=${sourceTopic}`) {
      const response = await hub.request('GET', `/v1/ops/dlq?${query}`, { token: opsToken });
      expect(response.status).toBe(200);
      return response.body;
    }

    it('shows depth, oldest age, counts by reason and each record with its reason, and redrives it once to its source topic', async () => {
      const eventId = randomUUID();
      await produce(DLQ_TOPIC, [deadLetter(eventId, 0)], kafka);
      const listed = await eventually(async () => {
        const body = await dlq();
        return body.records.some((record: { eventId: string }) => record.eventId === eventId) ? body : undefined;
      });
      const record = listed.records.find((item: { eventId: string }) => item.eventId === eventId);
      expect(record).toMatchObject({
        reason: 'invalid-payload',
        problems: [{ path: 'serviceType', problem: 'is required' }],
        sourceTopic,
        eventType: 'asc.service.started.v1',
        redriveCount: 0,
        status: 'pending',
      });
      expect(listed.depth).toBeGreaterThanOrEqual(1);
      expect(listed.byReason['invalid-payload']).toBeGreaterThanOrEqual(1);
      expect(listed.oldestRecordAgeSeconds).toEqual(expect.any(Number));
      expect(listed.redriveLimit).toBe(3);

      const reference = { partition: record.partition, offset: record.offset };
      const redriven = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { records: [reference] } });
      expect(redriven.status).toBe(200);
      expect(redriven.body).toMatchObject({ redriven: [{ ...reference, topic: sourceTopic, eventId, redriveCount: 1 }], refused: [] });

      // The original key, value and headers, with the redrive count, and none of the dead-letter headers.
      const [republished] = await recorder.waitFor((message) => message.headers.ce_id === eventId, 1);
      expect(republished!.key).toBe(`person-${eventId}`);
      expect(JSON.parse(republished!.value)).toEqual({ subject: { localId: 'p-1' }, broken: true });
      expect(republished!.headers).toMatchObject({ ce_type: 'asc.service.started.v1', [DEAD_LETTER_HEADERS.redriveCount]: '1' });
      expect(Object.keys(republished!.headers).filter((name) => name.startsWith('accord_dlq_'))).toEqual([]);

      const again = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { records: [reference] } });
      expect(again.body).toMatchObject({ redriven: [], refused: [{ ...reference, reason: 'already-redriven' }] });
      const after = await dlq();
      expect(after.records.find((item: { eventId: string }) => item.eventId === eventId)).toMatchObject({ status: 'redriven', redrivenAt: expect.any(String) });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(recorder.messages.filter((message) => message.headers.ce_id === eventId)).toHaveLength(1);
    });

    it('redrives only to a registered participant’s events topic, and never a record whose oversized parts were not kept', async () => {
      const forged = [inboxTopic(sourceParticipant), DLQ_TOPIC, 'accord.consent.changes', `accord.events.test-ops-unregistered-${suffix}.adult-social-care`];
      const forgedIds = forged.map(() => randomUUID());
      const incompleteId = randomUUID();
      const incomplete = deadLetter(incompleteId, 0);
      await produce(
        DLQ_TOPIC,
        [...forged.map((topic, index) => deadLetter(forgedIds[index]!, 0, 'invalid-payload', topic)), { ...incomplete, value: null as unknown as string, headers: { ...incomplete.headers, [DEAD_LETTER_HEADERS.dropped]: 'value' } }],
        kafka,
      );
      const references = await eventually(async () => {
        const records = (await hub.request('GET', '/v1/ops/dlq', { token: opsToken })).body.records as Array<{ eventId: string; partition: number; offset: string }>;
        const found = [...forgedIds, incompleteId].map((id) => records.find((record) => record.eventId === id));
        return found.every(Boolean) ? found.map((record) => ({ partition: record!.partition, offset: record!.offset })) : undefined;
      });
      const response = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { records: references } });
      expect(response.status).toBe(200);
      expect(response.body.redriven).toEqual([]);
      expect(response.body.refused.map((item: { reason: string }) => item.reason)).toEqual([...forged.map(() => 'not-an-events-topic'), 'incomplete']);
    });

    it('refuses a record at the redrive limit and says so; `all` redrives only the pending ones of the topic', async () => {
      const exhaustedId = randomUUID();
      const pendingIds: string[] = [randomUUID(), randomUUID()];
      await produce(DLQ_TOPIC, [deadLetter(exhaustedId, 3), ...pendingIds.map((id) => deadLetter(id, 1, 'invalid-identifier'))], kafka);
      const listed = await eventually(async () => {
        const body = await dlq();
        const ids = body.records.map((record: { eventId: string }) => record.eventId);
        return [exhaustedId, ...pendingIds].every((id) => ids.includes(id)) ? body : undefined;
      });
      const exhausted = listed.records.find((item: { eventId: string }) => item.eventId === exhaustedId);
      expect(exhausted.status).toBe('exhausted');
      // Counts cover the whole DLQ, which other test files share.
      expect(listed.pendingByReason['invalid-identifier']).toBeGreaterThanOrEqual(2);

      const refused = await hub.request('POST', '/v1/ops/dlq/redrive', {
        token: opsToken,
        body: { records: [{ partition: exhausted.partition, offset: exhausted.offset }] },
      });
      expect(refused.body.refused).toEqual([
        expect.objectContaining({ reason: 'redrive-limit-reached', message: expect.stringContaining('limit is 3') }),
      ]);

      const all = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { all: true, topic: sourceTopic, reason: 'invalid-identifier' } });
      expect(all.status).toBe(200);
      expect(all.body.redriven.map((item: { eventId: string }) => item.eventId).sort()).toEqual([...pendingIds].sort());
      expect(all.body.redriven.every((item: { redriveCount: number }) => item.redriveCount === 2)).toBe(true);
      await recorder.waitFor((message) => pendingIds.includes(message.headers.ce_id ?? ''), 2);
      expect(recorder.messages.some((message) => message.headers.ce_id === exhaustedId)).toBe(false);

      const bad = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { all: true, records: [{ partition: 0, offset: '1' }] } });
      expect(bad.status).toBe(400);
      const unknown = await hub.request('POST', '/v1/ops/dlq/redrive', { token: opsToken, body: { records: [{ partition: 2, offset: '999999999' }] } });
      expect(unknown.body.refused).toEqual([expect.objectContaining({ reason: 'not-found' })]);
    });
  });

  it('serves Prometheus metrics to ops: process metrics, consumer lag and status, DLQ counts', async () => {
    const response = await hub.request('GET', '/metrics', { token: opsToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    for (const name of ['process_cpu_user_seconds_total', 'accord_consumer_group_lag', 'accord_consumer_group_lag_seconds', 'accord_consumer_group_status', 'accord_topic_messages_per_second', 'accord_dlq_records', 'accord_dlq_redrives_total']) {
      expect(response.text).toContain(`# TYPE ${name} `);
    }
    expect(response.text).toMatch(new RegExp(`accord_consumer_group_lag\\{group="accord-test-ops-group-${suffix}",topic="${topic.replace(/\./g, '\\.')}"\\} 0`));
  });

  describe('/health', () => {
    async function health() {
      const started = Date.now();
      const response = await hub.request('GET', '/health');
      return { ...response, tookMs: Date.now() - started };
    }

    it('turns unhealthy within seconds when Postgres is unreachable, and healthy again after', async () => {
      expect((await health()).status).toBe(200);
      postgresProxy.disconnect();
      try {
        const down = await eventually(async () => {
          const response = await health();
          return response.status === 503 ? response : undefined;
        }, 10_000);
        expect(down.tookMs).toBeLessThan(5000);
        expect(down.body.error).toMatchObject({ postgres: { status: 'down' } });
        expect(down.body.info ?? {}).toMatchObject({ kafka: { status: 'up' } });
      } finally {
        postgresProxy.restore();
      }
      await eventually(async () => ((await health()).status === 200 ? true : undefined), 20_000);
    });

    it('turns unhealthy within seconds when Kafka is unreachable, and healthy again after', async () => {
      kafkaProxy.disconnect();
      try {
        const down = await eventually(async () => {
          const response = await health();
          return response.status === 503 ? response : undefined;
        }, 10_000);
        expect(down.tookMs).toBeLessThan(5000);
        expect(down.body.error).toMatchObject({ kafka: { status: 'down' } });
      } finally {
        kafkaProxy.restore();
      }
      await eventually(async () => ((await health()).status === 200 ? true : undefined), 20_000);
    });
  });
});
