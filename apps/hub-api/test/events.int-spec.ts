import { randomUUID } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';
import { Client } from 'pg';
import { encodeEvent, eventsTopic } from '@accord/contracts';
import {
  createTestDatabase,
  exampleEventData,
  issueTestToken,
  registerTestParticipants,
  startTestApp,
  TEST_ADMIN_TOKEN,
  TopicRecorder,
  uniqueParticipant,
  type RecordedMessage,
  type RunningApp,
  type TestDatabase,
} from '@accord/testing';
import { AppModule } from '../src/app.module';
import { HubApiEnvironment } from '../src/environment';

/*
 * Publishing over HTTPS (docs/contract.md, "Publishing over HTTPS") against the real
 * hub-api, Postgres and Kafka: a partner without a Kafka client sends CloudEvents with
 * the cloudevents SDK, and what reaches its events topic is exactly what a Kafka
 * partner would have written, once.
 */

const TYPE = 'asc.service.started.v1';
/** Enough for every test here but the last, which goes over it. */
const PER_MINUTE = 600;

describe('POST /v1/events: CloudEvents over HTTPS to the events topic', () => {
  let database: TestDatabase;
  let hub: RunningApp;
  let recorder: TopicRecorder;
  let sql: Client;
  const publisher = uniqueParticipant('adult-social-care');
  const other = uniqueParticipant('revenues-benefits');
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('events');
    hub = await startTestApp({
      service: 'hub-api',
      environmentClass: HubApiEnvironment,
      environment: { DATABASE_URL: database.url, ACCORD_PUBLISH_EVENTS_PER_MINUTE: String(PER_MINUTE) },
      module: AppModule.forRoot,
    });
    await registerTestParticipants(hub, [publisher, other]);
    token = (await issueTestToken(hub, { participant: publisher, roles: ['publisher'] })).token;
    recorder = await TopicRecorder.start([eventsTopic(publisher)]);
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO accord');
  });

  afterAll(async () => {
    await recorder?.stop();
    await sql?.end();
    await hub?.close();
    await database?.drop();
  });

  function event(overrides: Record<string, unknown> = {}): CloudEvent<Record<string, unknown>> {
    const data = exampleEventData(TYPE);
    return new CloudEvent({
      id: randomUUID(),
      source: `urn:accord:${publisher}`,
      type: TYPE,
      datacontenttype: 'application/json',
      data: { ...data, subject: { ...(data.subject as object), localId: `person-${randomUUID()}` } },
      ...overrides,
    });
  }

  /** Sends what the SDK serialised, as a partner's HTTP client would. */
  async function post(message: { headers: Record<string, unknown>; body: unknown }, bearer = token): Promise<{ status: number; body: any }> {
    const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name, String(value)]));
    const response = await fetch(`${hub.url}/v1/events`, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${bearer}` },
      body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body),
    });
    return { status: response.status, body: await response.json() };
  }

  function batch(events: Array<CloudEvent<unknown> | Record<string, unknown>>): { headers: Record<string, string>; body: string } {
    return { headers: { 'content-type': 'application/cloudevents-batch+json' }, body: JSON.stringify(events) };
  }

  const onTopic = (id: string) => (message: RecordedMessage) => message.headers.ce_id === id;

  /** Publishes a marker after `ids` and waits for it: the outbox publishes in order, so anything of `ids` would be there by then. */
  async function settled(): Promise<void> {
    const marker = event();
    expect((await post(HTTP.structured(marker))).status).toBe(202);
    await recorder.waitFor(onTopic(marker.id), 1);
  }

  it.each([
    ['structured', HTTP.structured],
    ['binary', HTTP.binary],
  ])('publishes a %s-mode event to the events topic exactly as a Kafka partner would write it', async (_mode, serialise) => {
    const sent = event();
    const answer = await post(serialise(sent));
    expect(answer).toEqual({ status: 202, body: { ids: [sent.id], alreadyAccepted: [] } });
    const [record] = await recorder.waitFor(onTopic(sent.id), 1);
    const kafka = encodeEvent({ id: sent.id, source: publisher, type: TYPE, time: sent.time, data: sent.data! });
    expect({ key: record!.key, headers: record!.headers, value: JSON.parse(record!.value) }).toEqual({ key: kafka.key, headers: kafka.headers, value: sent.data });
  });

  it('publishes a batch in order; a retry of it publishes nothing new and says which ids were accepted before', async () => {
    const localId = `person-${randomUUID()}`;
    const events = [1, 2, 3].map(() => {
      const sent = event();
      return sent.cloneWith({ data: { ...sent.data!, subject: { ...(sent.data!.subject as object), localId } } });
    });
    const ids = events.map((sent) => sent.id);
    expect(await post(batch(events))).toEqual({ status: 202, body: { ids, alreadyAccepted: [] } });
    const records = await recorder.waitFor((message) => ids.includes(message.headers.ce_id!), 3);
    expect(records.map((record) => record.headers.ce_id)).toEqual(ids);

    expect(await post(batch(events))).toEqual({ status: 202, body: { ids, alreadyAccepted: ids } });
    await settled();
    expect(recorder.messages.filter((message) => ids.includes(message.headers.ce_id!))).toHaveLength(3);
  });

  it('refuses a batch with one invalid event: 400 naming its problems, and nothing of the batch is published', async () => {
    const good = event();
    const bad = event();
    const badJson = { ...JSON.parse(HTTP.structured(bad).body as string), time: 'yesterday', traceparent: '00-x' };
    badJson.data.subject.nhsNumber = '9434765918';
    const answer = await post(batch([good, badJson]));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'events-invalid' });
    expect(answer.body.problems).toEqual(
      expect.arrayContaining([
        { path: '1.time', problem: 'must be an RFC 3339 date-time' },
        { path: '1.traceparent', problem: 'is not an attribute of the Accord envelope' },
        expect.objectContaining({ path: '1.data.subject.nhsNumber' }),
      ]),
    );
    expect(JSON.stringify(answer.body)).not.toContain('9434765918');
    await settled();
    expect(recorder.messages.filter((message) => [good.id, bad.id].includes(message.headers.ce_id!))).toEqual([]);
    expect((await sql.query('SELECT count(*)::int AS n FROM outbox WHERE event_id = ANY($1::uuid[])', [[good.id, bad.id]])).rows[0].n).toBe(0);
  });

  it('refuses an id already published with other content (409), and publishes nothing else of that request', async () => {
    const first = event();
    expect((await post(HTTP.structured(first))).status).toBe(202);
    const reuse = event({ id: first.id });
    const fresh = event();
    const answer = await post(batch([fresh, reuse]));
    expect(answer).toMatchObject({ status: 409, body: { code: 'event-id-conflict', problems: [{ path: '1.id', problem: 'was already published with other content' }] } });
    await settled();
    // The first event and the marker may lie on different partitions: the marker says only that the request was handled.
    await recorder.waitFor(onTopic(first.id), 1);
    expect(recorder.messages.filter(onTopic(fresh.id))).toEqual([]);
    expect(recorder.messages.filter(onTopic(first.id))).toHaveLength(1);
  });

  it('publishes only as the participant the publisher token is bound to', async () => {
    const asOther = await post(HTTP.structured(event({ source: `urn:accord:${other}` })));
    expect(asOther).toMatchObject({ status: 400, body: { problems: [{ path: 'source' }] } });

    const unbound = (await issueTestToken(hub, { roles: ['publisher'] })).token;
    expect(await post(HTTP.structured(event()), unbound)).toMatchObject({ status: 403, body: { code: 'token-not-bound' } });
    expect(await post(HTTP.structured(event()), TEST_ADMIN_TOKEN)).toMatchObject({ status: 403, body: { code: 'token-not-bound' } });
    const reader = (await issueTestToken(hub, { participant: publisher, roles: ['reader'] })).token;
    expect(await post(HTTP.structured(event()), reader)).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await post(HTTP.structured(event()), 'not-a-token')).toMatchObject({ status: 401 });
  });

  it('refuses a suspended participant, and publishes again once it is resumed', async () => {
    const participant = uniqueParticipant('adult-social-care');
    await registerTestParticipants(hub, [participant]);
    const bound = (await issueTestToken(hub, { participant, roles: ['publisher'] })).token;
    const suspended = await hub.request('POST', `/v1/participants/${participant}/suspend`, { token: TEST_ADMIN_TOKEN });
    expect(suspended.status).toBe(200);
    expect(await post(HTTP.structured(event({ source: `urn:accord:${participant}` })), bound)).toMatchObject({ status: 403, body: { code: 'participant-suspended' } });
    expect((await hub.request('POST', `/v1/participants/${participant}/resume`, { token: TEST_ADMIN_TOKEN, body: {} })).status).toBe(200);
    expect((await post(HTTP.structured(event({ source: `urn:accord:${participant}` })), bound)).status).toBe(202);
  });

  it('bounds what a partner sends: a body over 1 MiB is a 413, a batch over 100 events a 400, deep nesting a 400', async () => {
    const huge = event({ data: { ...event().data!, notes: 'x'.repeat(1100 * 1024) } });
    expect(await post(HTTP.structured(huge))).toMatchObject({ status: 413, body: { code: 'payload-too-large' } });
    expect(await post(batch(Array.from({ length: 101 }, () => event())))).toMatchObject({ status: 400, body: { problems: [{ path: 'body' }] } });
    const deep = `{"specversion":"1.0","id":"${randomUUID()}","source":"urn:accord:${publisher}","type":"${TYPE}","time":"2026-12-04T10:00:00Z","data":${'{"a":'.repeat(150_000)}1${'}'.repeat(150_000)}}`;
    expect(await post({ headers: { 'content-type': 'application/cloudevents+json' }, body: deep })).toMatchObject({
      status: 400,
      body: { problems: [expect.objectContaining({ path: 'data', problem: expect.stringContaining('nest') })] },
    });
  });

  it('limits how many events a participant publishes a minute: over it, 429 with Retry-After and nothing of that request published', async () => {
    let refused: { status: number; body: any } | undefined;
    let refusedIds: string[] = [];
    for (let request = 0; request < PER_MINUTE / 100 + 1 && !refused; request++) {
      const events = Array.from({ length: 100 }, () => event());
      const response = await fetch(`${hub.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${token}` },
        body: JSON.stringify(events),
      });
      if (response.status === 429) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
        refused = { status: response.status, body: await response.json() };
        refusedIds = events.map((sent) => sent.id);
      } else {
        expect(response.status).toBe(202);
      }
    }
    expect(refused).toMatchObject({ status: 429, body: { code: 'too-many-events' } });
    expect((await sql.query('SELECT count(*)::int AS n FROM outbox WHERE event_id = ANY($1::uuid[])', [refusedIds])).rows[0].n).toBe(0);
  });
});
