import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import { eventsTopic, inboxTopic } from '@accord/contracts';
import { eventually, produce, randomNhsNumber, TcpProxy, TopicRecorder, uniqueParticipant, type RunningApp } from '@accord/testing';
import { eventRecord, insertConsent, referenceAgreement, startTestBroker } from './support';

/*
 * Guarantees 1 and 5 (docs/architecture.md, "Guarantees") under a Postgres outage: the
 * broker reaches Postgres through a proxy this test cuts. While it is cut, no decision
 * can be made without the agreement and consent state, so nothing is delivered and no
 * offset is committed; once it is back, every event is decided with the consent state
 * of that moment, and delivered.
 */
describe('sharing broker: fails closed while Postgres is unreachable', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const GROUP = `accord-sharing-broker-fail-closed-${randomUUID()}`;
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });

  let proxy: TcpProxy;
  let broker: RunningApp;
  let sql: Client;
  let admin: Admin;
  let close: () => Promise<void>;
  let inbox: TopicRecorder;

  beforeAll(async () => {
    ({ broker, sql, admin, close } = await startTestBroker({
      name: 'broker-fail-closed',
      groupId: GROUP,
      topics: [
        { topic: eventsTopic(ASC), numPartitions: 3 },
        { topic: inboxTopic(RB), numPartitions: 3 },
      ],
      consumes: [ASC],
      agreements: [careHome],
      // The broker reaches Postgres through a proxy this test cuts; the test's own connection does not.
      databaseUrl: async (url) => {
        proxy = TcpProxy.forUrl(url, 5432);
        await proxy.start();
        return proxy.rewrite(url);
      },
      environment: { BROKER_RETRY_MAX_MS: '500' },
    }));
    inbox = await TopicRecorder.start([inboxTopic(RB)]);
  });

  afterAll(async () => {
    proxy?.restore();
    await inbox?.stop();
    await close?.();
    await proxy?.close();
  });

  const person = () => ({ localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber() });

  async function committedOffsets(): Promise<string> {
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [eventsTopic(ASC)] });
    return JSON.stringify(committed!.partitions.sort((a, b) => a.partition - b.partition));
  }

  it('holds every event while Postgres is cut, then decides and delivers all of them with the consent of that moment', async () => {
    // Working first.
    const warmUp = eventRecord(ASC, 'asc.service.started.v1', person());
    await produce(eventsTopic(ASC), [warmUp.message]);
    await inbox.waitFor((message) => message.headers.ce_id === warmUp.id, 1);
    await eventually(async () => ((await committedOffsets()).includes('"offset":"1"') ? true : undefined));
    const offsetsBefore = await committedOffsets();

    proxy.disconnect();
    const people = Array.from({ length: 20 }, person);
    const events = people.map((subject) => eventRecord(ASC, 'asc.service.started.v1', subject));
    await produce(eventsTopic(ASC), events.map((event) => event.message));

    // Enough time for several attempts: nothing decided, nothing delivered, nothing committed.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const ids = events.map((event) => event.id);
    expect(inbox.messages.filter((message) => ids.includes(message.headers.ce_id!))).toEqual([]);
    const { rows: during } = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1)', [ids]);
    expect(during[0].n).toBe(0);
    expect(await committedOffsets()).toBe(offsetsBefore);
    const health = await broker.request('GET', '/health');
    expect(health.status).toBe(503);

    // An objection recorded during the outage applies once the broker can read it.
    const objection = await insertConsent(sql, { nhsNumber: people[0]!.nhsNumber }, 'object');
    proxy.restore();

    const delivered = await inbox.waitFor((message) => ids.includes(message.headers.ce_id!), 19, 60_000);
    const { rows } = await eventually(async () => {
      const result = await sql.query('SELECT event_id, outcome, reasons, consent_refs FROM decisions WHERE event_id = ANY($1)', [ids]);
      return result.rows.length === 20 ? result : undefined;
    });
    expect(rows.find((row) => row.event_id === events[0]!.id)).toMatchObject({ outcome: 'withheld', reasons: ['objection'], consent_refs: [objection] });
    expect(rows.filter((row) => row.outcome === 'shared')).toHaveLength(19);
    expect(new Set(delivered.map((message) => message.headers.ce_id))).toEqual(new Set(ids.slice(1)));
    await eventually(async () => ((await committedOffsets()) !== offsetsBefore ? true : undefined));
  });
});
