import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AssignerProtocol, type Admin, type Message, type Producer } from 'kafkajs';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { verifyChain } from '@accord/audit-chain';
import { DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import { dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase, readChainHead, readDecisionsAfter } from '@accord/persistence';
import {
  AppProcess,
  createTestDatabase,
  eventually,
  freePort,
  provisionTestParticipant,
  randomNhsNumber,
  REPOSITORY_ROOT,
  TcpProxy,
  TEST_KAFKA_BROKERS,
  TEST_KAFKA_TLS_DIR,
  testKafka,
  TopicRecorder,
  uniqueParticipant,
  type RecordedMessage,
  type TestDatabase,
} from '@accord/testing';
import { eventRecord, insertAgreementVersion, PSEUDONYMISATION_SECRET, referenceAgreement, SUBJECT_KEY_SECRET, topicPatternFor } from './support';

/*
 * Issue 17, chaos: two broker processes of one consumer group work through a steady stream
 * of valid events while, one after another, a participant is registered and starts
 * publishing, one broker process is SIGKILLed (and a fresh one started), Postgres is
 * unreachable for 10 s and Kafka for 5 s. Each broker process reaches Postgres and Kafka
 * through a TcpProxy of this test (see chaos-broker.cjs), so the shared Postgres and Kafka
 * stay up for the other test files. Afterwards: no event lost, none decided twice for a
 * recipient, the audit chain verifies, and the group's lag is back to zero within 60 s of
 * the last fault.
 */

/** Events a second over all the providers' topics. */
const RATE = 200;
/** kafkajs consumers a broker process runs (BROKER_CONSUMERS). */
const CONSUMERS = 2;
const SESSION_TIMEOUT_MS = Number(process.env.CHAOS_SESSION_TIMEOUT_MS ?? 8000);
const POSTGRES_OUTAGE_MS = 10_000;
const KAFKA_OUTAGE_MS = 5_000;
const LAG_BUDGET_MS = 60_000;
const LAUNCHER = join(REPOSITORY_ROOT, 'apps/sharing-broker/test/chaos-broker.cjs');

const startedAt = Date.now();
function note(message: string): void {
  process.stderr.write(`[chaos +${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One sharing broker process (the real main.ts), its output kept for the report. */
class BrokerProcess extends AppProcess {
  constructor(name: string, port: number, environment: Record<string, string>) {
    super(name, port, { launcher: LAUNCHER, environment: { ...environment, BROKER_PORT: String(port) } });
  }

  /** The lines a log message appears on, counted by message: what went wrong, in short. */
  summary(): string {
    const counts = new Map<string, number>();
    for (const line of this.lines) {
      const json = line.slice(line.indexOf(' ') + 1);
      let message = json;
      try {
        const parsed = JSON.parse(json) as { level?: string; message?: string; msg?: string };
        message = `${parsed.level ?? '?'}: ${parsed.message ?? parsed.msg ?? ''}`;
      } catch {
        // not JSON: the line as it is
      }
      counts.set(message.slice(0, 160), (counts.get(message.slice(0, 160)) ?? 0) + 1);
    }
    return [...counts].map(([message, count]) => `    ${String(count).padStart(5)} × ${message}`).join('\n') || '    (no output)';
  }
}

interface Source {
  participant: string;
  type: string;
  recipient: string;
  producer: Producer;
}

/**
 * Publishes valid events at RATE a second, round robin over the sources, each about a new
 * person (so the records spread over the partitions). An id counts as produced once Kafka
 * acknowledged it (acks=all).
 */
class EventStream {
  /** Event id → who must receive it. */
  readonly produced = new Map<string, { recipient: string; topic: string }>();
  readonly errors: unknown[] = [];
  private readonly sources: Source[] = [];
  private stopped = false;
  private loop: Promise<void> | undefined;

  add(source: Source): void {
    this.sources.push(source);
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  producedFrom(participant: string): number {
    const topic = eventsTopic(participant);
    let count = 0;
    for (const event of this.produced.values()) if (event.topic === topic) count++;
    return count;
  }

  private async run(): Promise<void> {
    const started = Date.now();
    let sent = 0;
    let turn = 0;
    while (!this.stopped) {
      const count = Math.min(Math.floor(((Date.now() - started) / 1000) * RATE) - sent, 100);
      if (count > 0) {
        const bySource = new Map<Source, { ids: string[]; messages: Message[] }>();
        for (let index = 0; index < count; index++) {
          const source = this.sources[turn++ % this.sources.length]!;
          const subject = { localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber() };
          const { id, message } = eventRecord(source.participant, source.type, subject);
          const batch = bySource.get(source) ?? { ids: [], messages: [] };
          batch.ids.push(id);
          batch.messages.push(message);
          bySource.set(source, batch);
        }
        await Promise.all(
          [...bySource].map(async ([source, { ids, messages }]) => {
            try {
              await source.producer.send({ topic: eventsTopic(source.participant), acks: -1, messages });
              for (const id of ids) this.produced.set(id, { recipient: source.recipient, topic: eventsTopic(source.participant) });
            } catch (error) {
              this.errors.push(error);
            }
          }),
        );
        sent += count;
      }
      await sleep(50);
    }
  }
}

describe('sharing broker: chaos (issue 17)', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const PH = uniqueParticipant('public-health');
  const ICB = uniqueParticipant('analytics');
  const LATER = uniqueParticipant('adult-social-care');
  const GROUP = `accord-sharing-broker-chaos-${randomUUID()}`;
  const TOPICS = [ASC, PH, LATER].map(eventsTopic);
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });
  const healthChecks = referenceAgreement('hants-ph-health-checks-to-icb.yaml', { 'hampshire.public-health': PH, 'hiow-icb.analytics': ICB });
  const laterCareHome = referenceAgreement(
    'scc-asc-care-home-to-rb.yaml',
    { 'southampton.adult-social-care': LATER, 'southampton.revenues-benefits': RB },
    (text) => text.replace(/^id: .*$/m, 'id: later-care-home-to-rb'),
  );

  let database: TestDatabase;
  let dataSource: DataSource;
  let sql: Client;
  let admin: Admin;
  let postgresProxy: TcpProxy;
  const kafkaProxies: TcpProxy[] = [];
  let inboxes: TopicRecorder;
  const producers: Producer[] = [];
  const brokers: BrokerProcess[] = [];
  let stream: EventStream | undefined;

  /** What every broker process gets: this file's database through the Postgres proxy, Kafka through the Kafka proxies. */
  function environment(): Record<string, string> {
    return {
      DATABASE_URL: postgresProxy.rewrite(database.url),
      KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
      KAFKA_TLS_DIR: TEST_KAFKA_TLS_DIR,
      CHAOS_KAFKA_PROXIES: JSON.stringify(Object.fromEntries(TEST_KAFKA_BROKERS.map((broker, index) => [broker, `127.0.0.1:${kafkaProxies[index]!.port}`]))),
      ACCORD_SUBJECT_KEY_SECRET: SUBJECT_KEY_SECRET,
      ACCORD_PSEUDONYMISATION_SECRET: PSEUDONYMISATION_SECRET,
      BROKER_GROUP_ID: GROUP,
      BROKER_TOPIC_PATTERN: topicPatternFor([ASC, PH, LATER]),
      BROKER_TOPIC_REFRESH_MS: '500',
      BROKER_CONSUMERS: String(CONSUMERS),
      BROKER_MAX_WAIT_MS: '100',
      BROKER_RETRY_MAX_MS: '1000',
      BROKER_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      // Commits a second apart (200 ms by default): a SIGKILL then mostly finds work handled and not committed yet.
      BROKER_COMMIT_INTERVAL_MS: '1000',
      LOG_LEVEL: process.env.CHAOS_BROKER_LOG_LEVEL ?? 'warn',
    };
  }

  async function startBroker(name: string): Promise<BrokerProcess> {
    const broker = new BrokerProcess(name, await freePort(), environment());
    brokers.push(broker);
    await broker.ready();
    note(`${name} is up (port ${broker.port})`);
    return broker;
  }

  /** Until the group is stable (no rebalance under way) with exactly `members` members. */
  async function groupHas(members: number, timeoutMs = 60_000): Promise<void> {
    let seen = 'not described yet';
    await eventually(
      async () => {
        const { groups } = await admin.describeGroups([GROUP]);
        seen = `${groups[0]?.state} with ${groups[0]?.members.length} members`;
        return groups[0]?.state === 'Stable' && groups[0].members.length === members ? true : undefined;
      },
      timeoutMs,
      250,
    ).catch((error: Error) => {
      throw new Error(`the group did not settle with ${members} members (${CONSUMERS} a broker process): ${error.message}; last seen ${seen}`);
    });
  }

  /** Each member of the group and the partitions it holds (`topic[partition]`). */
  async function assignments(): Promise<Map<string, string[]>> {
    const { groups } = await admin.describeGroups([GROUP]);
    const result = new Map<string, string[]>();
    for (const member of groups[0]?.members ?? []) {
      const decoded = member.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
      result.set(member.memberId, Object.entries(decoded?.assignment ?? {}).flatMap(([topic, partitions]) => partitions.map((partition) => `${topic}[${partition}]`)));
    }
    return result;
  }

  /** Per `topic[partition]`: records decided beyond the group's committed offset (handled, or under way, and not committed). */
  async function decidedNotCommitted(): Promise<Map<string, number>> {
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: TOPICS });
    const { rows } = await sql.query('SELECT topic, kafka_partition AS partition, kafka_offset::bigint AS "offset" FROM decisions');
    const result = new Map<string, number>();
    for (const row of rows) {
      const commit = committed.find((entry) => entry.topic === row.topic)?.partitions.find((entry) => entry.partition === row.partition)?.offset ?? '-1';
      if (BigInt(row.offset) >= BigInt(commit)) result.set(`${row.topic}[${row.partition}]`, (result.get(`${row.topic}[${row.partition}]`) ?? 0) + 1);
    }
    return result;
  }

  async function decisionCount(): Promise<number> {
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM decisions');
    return rows[0].n;
  }

  /** Until decisions are being recorded again: more than `than`. */
  const decidingBeyond = (than: number, timeoutMs = 60_000) =>
    eventually(async () => {
      const count = await decisionCount();
      return count > than ? count : undefined;
    }, timeoutMs);

  /** Records in the group's topics not committed yet, per partition (only those behind). */
  async function lag(): Promise<{ total: bigint; behind: string[] }> {
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: TOPICS });
    let total = 0n;
    const behind: string[] = [];
    for (const topic of TOPICS) {
      const ends = await admin.fetchTopicOffsets(topic);
      const commits = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
      for (const end of ends) {
        const commit = commits.find((entry) => entry.partition === end.partition)?.offset ?? '-1';
        const from = commit === '-1' ? BigInt(end.low) : BigInt(commit);
        const partitionLag = BigInt(end.high) - from;
        if (partitionLag > 0n) behind.push(`${topic}[${end.partition}] committed ${commit}, end ${end.high}`);
        total += partitionLag;
      }
    }
    return { total, behind };
  }

  /** Inbox high watermarks: they move only when a broker process delivers. */
  async function inboxEnds(): Promise<string> {
    const ends = await Promise.all([RB, ICB].map(async (recipient) => (await admin.fetchTopicOffsets(inboxTopic(recipient))).map((entry) => entry.high)));
    return JSON.stringify(ends);
  }

  async function writeDiagnostics(): Promise<string> {
    const file = join(tmpdir(), `accord-chaos-${GROUP}.log`);
    const group = await admin.describeGroups([GROUP]).catch((error: Error) => error.message);
    const held = await assignments().catch((error: Error) => error.message);
    const metrics = await Promise.all(
      brokers
        .filter((broker) => broker.running)
        .map(async (broker) => {
          const text = await fetch(`http://127.0.0.1:${broker.port}/metrics`)
            .then((response) => response.text())
            .catch((error: Error) => error.message);
          return `=== ${broker.name} /metrics\n${text
            .split('\n')
            .filter((line) => line.startsWith('accord_broker'))
            .join('\n')}`;
        }),
    );
    writeFileSync(
      file,
      [
        `=== group: ${typeof group === 'string' ? group : `${group.groups[0]?.state}, ${group.groups[0]?.members.length} members`}`,
        `=== assignments:\n${typeof held === 'string' ? held : [...held].map(([member, partitions]) => `${member}: ${partitions.join(' ')}`).join('\n')}`,
        `=== lag:\n${await lag()
          .then((current) => current.behind.join('\n'))
          .catch((error: Error) => error.message)}`,
        ...metrics,
        ...brokers.map((broker) => `=== ${broker.name}\n${broker.lines.join('\n')}`),
      ].join('\n') + '\n',
    );
    return file;
  }

  beforeAll(async () => {
    admin = testKafka('sharing-broker-chaos-admin').admin();
    await admin.connect();
    await ensureTopics(admin, [
      ...[ASC, PH].map((participant) => ({ topic: eventsTopic(participant), numPartitions: 6 })),
      ...[RB, ICB].map((participant) => ({ topic: inboxTopic(participant), numPartitions: 3 })),
      { topic: DLQ_TOPIC, numPartitions: 3 },
    ]);
    database = await createTestDatabase('broker_chaos');
    // Migrated here, so the agreements are in place before any broker starts.
    dataSource = await openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }));
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query(`SET search_path TO ${HUB_SCHEMA}`);
    await insertAgreementVersion(sql, careHome);
    await insertAgreementVersion(sql, healthChecks);

    postgresProxy = TcpProxy.forUrl(database.url, 5432);
    await postgresProxy.start();
    for (const broker of TEST_KAFKA_BROKERS) {
      const proxy = TcpProxy.forUrl(`kafka://${broker}`, 9092);
      await proxy.start();
      kafkaProxies.push(proxy);
    }
    inboxes = await TopicRecorder.start([inboxTopic(RB), inboxTopic(ICB)]);
    const producer = testKafka('sharing-broker-chaos-partners').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    producers.push(producer);
  }, 120_000);

  afterAll(async () => {
    await stream?.stop();
    await Promise.all(brokers.map((broker) => broker.kill()));
    postgresProxy?.restore();
    for (const proxy of kafkaProxies) proxy.restore();
    await inboxes?.stop();
    for (const producer of producers) await producer.disconnect().catch(() => undefined);
    await postgresProxy?.close();
    for (const proxy of kafkaProxies) await proxy.close();
    await sql?.end();
    await dataSource?.destroy();
    await database?.drop();
    await admin?.disconnect();
  }, 60_000);

  it('loses nothing, decides nothing twice, keeps the audit chain whole, and catches up within 60 s of the last fault', async () => {
    let passed = false;
    try {
      // Two broker processes in one group, each with CONSUMERS members.
      const [first] = await Promise.all([startBroker('broker-1'), startBroker('broker-2')]);
      await groupHas(2 * CONSUMERS);
      note('the group is stable with both processes');

      stream = new EventStream();
      stream.add({ participant: ASC, type: 'asc.service.started.v1', recipient: RB, producer: producers[0]! });
      stream.add({ participant: PH, type: 'ph.health-check.completed.v1', recipient: ICB, producer: producers[0]! });
      stream.start();
      await decidingBeyond(200);
      note(`stream under way: ${stream.produced.size} produced, ${await decisionCount()} decided`);

      // Fault 1: a participant registered mid-stream (topics, ACLs, certificate; its agreement), publishing with its own identity.
      await insertAgreementVersion(sql, laterCareHome);
      await provisionTestParticipant(LATER);
      const laterProducer = testKafka('sharing-broker-chaos-later', LATER).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await laterProducer.connect();
      producers.push(laterProducer);
      stream.add({ participant: LATER, type: 'asc.service.started.v1', recipient: RB, producer: laterProducer });
      note(`fault 1: ${LATER} registered and publishing`);
      await eventually(
        async () => {
          const { rows } = await sql.query('SELECT count(*)::int AS n FROM decisions WHERE topic = $1', [eventsTopic(LATER)]);
          return rows[0].n > 0 ? true : undefined;
        },
        60_000,
      );
      note(`fault 1: the new participant's events are being decided (${stream.producedFrom(LATER)} published so far)`);
      // Every consumer resubscribed (each one leaves and rejoins the group for the new topic).
      await groupHas(2 * CONSUMERS);
      note('fault 1: the group is stable again, with the new topic');

      // Fault 2: one broker process SIGKILLed mid-stream; the group hands its partitions over after the session timeout; a fresh one joins.
      const heldBeforeKill = await assignments();
      await first.kill();
      // broker-1 is gone: what it decided and what it committed for its partitions are frozen until they are handed over.
      const inHandAtKill = await decidedNotCommitted();
      note(`fault 2: broker-1 SIGKILLed (${await decisionCount()} decisions recorded)`);
      await groupHas(CONSUMERS);
      const survivors = await assignments();
      const killedMembers = [...heldBeforeKill.keys()].filter((member) => !survivors.has(member));
      const heldByKilled = killedMembers.flatMap((member) => heldBeforeKill.get(member)!);
      const uncommitted = heldByKilled.filter((partition) => inHandAtKill.has(partition));
      note(
        `fault 2: the group is stable without broker-1, which held ${heldByKilled.length} partitions (${killedMembers.length} members); ` +
          `${uncommitted.reduce((sum, partition) => sum + inHandAtKill.get(partition)!, 0)} records on ${uncommitted.length} of them were decided and not committed at the kill`,
      );
      expect(heldByKilled.length).toBeGreaterThan(0);
      await decidingBeyond(await decisionCount());
      await startBroker('broker-3');
      await groupHas(2 * CONSUMERS);
      note('fault 2: the group is stable with broker-2 and broker-3');

      // Fault 3: Postgres unreachable for the broker processes for 10 s. Nothing can be decided meanwhile (fail closed).
      postgresProxy.disconnect();
      const postgresCut = Date.now();
      note('fault 3: Postgres cut');
      await sleep(1500);
      const decidedEarlyInOutage = await decisionCount();
      await sleep(POSTGRES_OUTAGE_MS - (Date.now() - postgresCut));
      const decidedLateInOutage = await decisionCount();
      postgresProxy.restore();
      note(`fault 3: Postgres restored after ${Date.now() - postgresCut} ms (decisions ${decidedEarlyInOutage} → ${decidedLateInOutage} during the outage)`);
      expect(decidedLateInOutage).toBe(decidedEarlyInOutage);
      await decidingBeyond(decidedLateInOutage);
      note('fault 3: deciding again');

      // Fault 4: Kafka unreachable for the broker processes for 5 s. Nothing is delivered meanwhile.
      for (const proxy of kafkaProxies) proxy.disconnect();
      const kafkaCut = Date.now();
      note('fault 4: Kafka cut');
      await sleep(1500);
      const inboxEarlyInOutage = await inboxEnds();
      await sleep(KAFKA_OUTAGE_MS - (Date.now() - kafkaCut));
      const inboxLateInOutage = await inboxEnds();
      for (const proxy of kafkaProxies) proxy.restore();
      const lastFaultEnded = Date.now();
      await stream.stop();
      note(`fault 4: Kafka restored after ${lastFaultEnded - kafkaCut} ms; stream stopped: ${stream.produced.size} events produced (${stream.errors.length} send errors)`);
      expect(inboxLateInOutage).toBe(inboxEarlyInOutage);
      expect(stream.errors).toEqual([]);

      // The group catches up: committed offsets reach the end of every partition.
      const groupStates: string[] = [];
      const watchGroup = async () => {
        const state = await admin
          .describeGroups([GROUP])
          .then(({ groups }) => `${groups[0]?.state} with ${groups[0]?.members.length} members`)
          .catch((error: Error) => error.message);
        if (!groupStates[groupStates.length - 1]?.endsWith(state)) groupStates.push(`+${Date.now() - lastFaultEnded} ms: ${state}`);
      };
      let last = await lag();
      while (last.total > 0n && Date.now() - lastFaultEnded < LAG_BUDGET_MS) {
        await sleep(250);
        await watchGroup();
        last = await lag();
      }
      const catchUpMs = Date.now() - lastFaultEnded;
      note(
        last.total === 0n
          ? `lag reached zero ${catchUpMs} ms after the last fault ended`
          : `lag still ${last.total} ${catchUpMs} ms after the last fault ended:\n  ${last.behind.join('\n  ')}`,
      );
      if (last.total > 0n) {
        // For the report: does it catch up at all, and when? (The test fails either way.)
        const stalled = last;
        while (last.total > 0n && Date.now() - lastFaultEnded < 2 * LAG_BUDGET_MS) {
          await sleep(500);
          await watchGroup();
          last = await lag();
        }
        note(`the group after the last fault:\n  ${groupStates.join('\n  ')}`);
        const inHand = await decidedNotCommitted();
        note(`decided beyond the committed offset, per stalled partition: ${stalled.behind.map((entry) => `${entry.slice(0, entry.indexOf(' '))}: ${inHand.get(entry.slice(0, entry.indexOf(' '))) ?? 0}`).join(', ')}`);
        note(last.total === 0n ? `lag reached zero after all, ${Date.now() - lastFaultEnded} ms after the last fault ended` : `lag still ${last.total} ${Date.now() - lastFaultEnded} ms after the last fault ended`);
        expect({ lag: Number(stalled.total), behind: stalled.behind }).toEqual({ lag: 0, behind: [] });
      }

      // Zero events lost: every produced event has its decision...
      const ids = [...stream.produced.keys()];
      const { rows: decisions } = await sql.query('SELECT seq, decision_id, event_id, recipient, outcome, reasons, topic, kafka_partition, kafka_offset, decided_at FROM decisions ORDER BY seq');
      const byEvent = new Map<string, Array<Record<string, any>>>();
      for (const row of decisions) byEvent.set(row.event_id, [...(byEvent.get(row.event_id) ?? []), row]);
      const undecided = ids.filter((id) => !byEvent.has(id));
      note(`${ids.length} events produced, ${decisions.length} decisions recorded, ${undecided.length} events undecided`);
      expect({ undecided: undecided.length, sample: undecided.slice(0, 5) }).toEqual({ undecided: 0, sample: [] });
      // ...and nothing else was decided (no rejects, nothing unknown), each shared with its recipient.
      expect(decisions.filter((row) => !stream!.produced.has(row.event_id))).toEqual([]);
      const wrong = decisions.filter((row) => row.outcome !== 'shared' || row.recipient !== stream!.produced.get(row.event_id)!.recipient);
      expect(wrong.slice(0, 5)).toEqual([]);

      // Zero decided twice for a recipient.
      const { rows: twice } = await sql.query('SELECT event_id, recipient, count(*)::int AS n FROM decisions GROUP BY event_id, recipient HAVING count(*) > 1');
      expect(twice).toEqual([]);
      expect(decisions).toHaveLength(ids.length);

      // ...and its shared record in the recipient's inbox, carrying its decision (duplicates, if any, the same decision).
      const decisionOf = new Map(decisions.map((row) => [row.event_id as string, row]));
      const deliveries = new Map<string, RecordedMessage[]>();
      const collectDeliveries = () => {
        deliveries.clear();
        for (const message of inboxes.messages) {
          const id = message.headers.ce_id;
          if (id !== undefined && stream!.produced.has(id)) deliveries.set(id, [...(deliveries.get(id) ?? []), message]);
        }
        return deliveries.size === ids.length ? true : undefined;
      };
      // The inboxes hold every record once the lag is zero; the recorder may still be reading them.
      await eventually(async () => collectDeliveries(), 30_000, 500).catch(() => undefined);
      const undelivered = ids.filter((id) => !deliveries.has(id));
      expect({ undelivered: undelivered.length, sample: undelivered.slice(0, 5) }).toEqual({ undelivered: 0, sample: [] });
      const misdelivered = [...deliveries].flatMap(([id, copies]) =>
        copies.filter((copy) => copy.topic !== inboxTopic(stream!.produced.get(id)!.recipient) || copy.headers.ce_accorddecision !== decisionOf.get(id)!.decision_id).map(() => id),
      );
      expect(misdelivered.slice(0, 5)).toEqual([]);
      const duplicates = [...deliveries.values()].reduce((sum, copies) => sum + copies.length - 1, 0);
      note(`every event delivered; ${duplicates} duplicate deliveries (at least once, same decision)`);

      // Every partition's audit chain verifies from genesis to its head.
      const { head } = await readChainHead(dataSource.manager);
      const chain = await readDecisionsAfter(dataSource.manager, 0, head.seq, 1_000_000);
      expect(chain).toHaveLength(decisions.length);
      const verification = verifyChain(chain, { partitionChainsAfter: 0 });
      expect(verification.ok).toBe(true);
      note(`audit chain verified: ${chain.length} decisions, head seq ${head.seq}`);

      // Every broker connection to Kafka went through the proxies (else the Kafka fault was not one).
      const unmapped = brokers.flatMap((broker) => broker.lines.filter((line) => line.includes('unmapped Kafka connection')));
      expect(unmapped).toEqual([]);
      passed = true;
    } finally {
      // On failure (or with CHAOS_KEEP_LOGS set), everything the broker processes said, and the group as it is now.
      if (!passed || process.env.CHAOS_KEEP_LOGS) note(`the broker processes' output and the group's state are in ${await writeDiagnostics()}`);
      for (const broker of brokers) {
        note(`${broker.name} (${broker.running ? 'running' : 'exited'}) log, by message:\n${broker.summary()}${passed ? '' : `\n  last lines:\n    ${broker.lines.slice(-15).join('\n    ')}`}`);
      }
    }
  }, 240_000);
});
