import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Admin, Message, Producer } from 'kafkajs';
import { Client } from 'pg';
import { DEAD_LETTER_HEADERS, DLQ_TOPIC, eventsTopic, inboxTopic, LOCAL_ID_MAX_LENGTH, readDeadLetter } from '@accord/contracts';
import { eventually, randomNhsNumber, testKafka, TopicRecorder, uniqueParticipant, type RunningApp } from '@accord/testing';
import { committedPast, eventRecord, referenceAgreement, startTestBroker } from './support';

/*
 * Issue 17, part 3, against the real broker, Kafka and Postgres: an agreement whose
 * condition is a catastrophic backtracking pattern, `^(a+)+$`, and events built to make a
 * backtracking engine run for longer than the universe has existed (a run of `a`s ending
 * in `!`). The broker runs in this process, so a frozen event loop would also freeze the
 * health poll below: its worst delay is the measure.
 */
describe('sharing broker: a runaway condition cannot freeze the broker', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const GROUP = `accord-sharing-broker-test-${randomUUID()}`;
  const TYPE = 'asc.service.started.v1';
  const TOPIC = eventsTopic(ASC);
  const CATASTROPHIC = "'^(a+)+$'";
  // Applied as the hub applies it: RE2 runs the pattern in linear time, so it is a valid condition.
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB }, (text) =>
    text.replace(
      /^ {4}when: .*$/m,
      // A function, not a replacement string: the pattern's `$'` would mean "the text after the match".
      () => `    when: "data.subject.localId.matches(${CATASTROPHIC}) || data.subject.name.family.matches(${CATASTROPHIC}) || data.serviceType in ['long-term-residential', 'long-term-nursing']"`,
    ),
  );

  let broker: RunningApp;
  let sql: Client;
  let admin: Admin;
  let close: () => Promise<void>;
  let producer: Producer;
  let inbox: TopicRecorder;
  let deadLetters: TopicRecorder;

  beforeAll(async () => {
    ({ broker, sql, admin, close } = await startTestBroker({
      name: 'redos',
      groupId: GROUP,
      topics: [
        { topic: TOPIC, numPartitions: 3 },
        { topic: inboxTopic(RB), numPartitions: 3 },
      ],
      consumes: [ASC],
      agreements: [careHome],
    }));
    producer = testKafka('redos-test').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    inbox = await TopicRecorder.start([inboxTopic(RB)]);
    deadLetters = await TopicRecorder.start([DLQ_TOPIC]);
  });

  afterAll(async () => {
    await inbox?.stop();
    await deadLetters?.stop();
    await producer?.disconnect();
    await close?.();
  });

  interface Sent {
    id: string;
    partition: number;
    offset: string;
  }

  /** Publishes one event of `TYPE` to the given partition. */
  async function publish(partition: number, subject: Record<string, unknown>, overrides: Record<string, unknown> = {}): Promise<Sent> {
    const record = eventRecord(ASC, TYPE, { nhsNumber: randomNhsNumber(), ...subject }, overrides);
    const message: Message = { ...record.message, partition };
    const [metadata] = await producer.send({ topic: TOPIC, messages: [message], acks: -1 });
    return { id: record.id, partition, offset: metadata!.baseOffset! };
  }

  /** The one decision recorded for the record (this agreement has one recipient). */
  async function decisionOf(sent: Sent): Promise<{ outcome: string; reasons: string[] }> {
    return eventually(async () => {
      const { rows } = await sql.query<{ outcome: string; reasons: string[] }>(
        'SELECT outcome, reasons FROM decisions WHERE topic = $1 AND kafka_partition = $2 AND kafka_offset = $3',
        [TOPIC, sent.partition, sent.offset],
      );
      return rows[0];
    }, 60_000);
  }

  /**
   * Polls `/health` every 100 ms until `done` settles. The delay of a poll is the longer of
   * its answer time and how late its timer fired: either grows while the event loop is blocked.
   */
  async function watchHealth(done: Promise<unknown>): Promise<{ worstMs: number; polls: number; statuses: Set<number> }> {
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    let worstMs = 0;
    let polls = 0;
    const statuses = new Set<number>();
    while (!finished) {
      const asked = performance.now();
      const response = await broker.request('GET', '/health');
      const answered = performance.now();
      statuses.add(response.status);
      polls += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      worstMs = Math.max(worstMs, answered - asked, performance.now() - answered - 100);
    }
    return { worstMs, polls, statuses };
  }

  it('decides hostile and ordinary events on every partition while the event loop never stalls for a second and /health keeps answering', async () => {
    // The broker runs in this process: its event loop is this one. A backtracking engine on
    // these inputs would hold it for seconds to years; what is left is GC and a loaded machine.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const person = () => ({ localId: `person-${randomUUID()}` });
    const family = (text: string) => ({ name: { given: 'Ada', family: text } });
    const events = (async () => {
      // Partition 0: the hostile ones, each a run of `a`s ending in `!` where the pattern is
      // tested, as long as the payload schema allows (a local id of 28 characters froze the
      // backtracking engine for 10 s, each further character doubling it).
      const hostileLocalId = await publish(0, { localId: `${'a'.repeat(LOCAL_ID_MAX_LENGTH - 1)}!` }, { serviceType: 'community' });
      const hostileName = await publish(0, { ...person(), ...family(`${'a'.repeat(199)}!`) }, { serviceType: 'community' });
      // Longer than a local id may be: refused before any condition sees it.
      const overlongLocalId = await publish(0, { localId: `${'a'.repeat(5000)}!` }, { serviceType: 'community' });
      // The pattern does match a run of `a`s: the condition was evaluated on the whole input, not given up on.
      const matchingLocalId = await publish(0, { localId: 'a'.repeat(LOCAL_ID_MAX_LENGTH) }, { serviceType: 'community' });
      // Partitions 1 and 2: ordinary placements, published around the hostile ones.
      const ordinary: Sent[] = [];
      for (let index = 0; index < 6; index++) ordinary.push(await publish(1 + (index % 2), person(), { serviceType: 'long-term-nursing' }));
      return { hostileLocalId, hostileName, overlongLocalId, matchingLocalId, ordinary };
    })();
    const decided = events.then(async (sent) => {
      const decisions = {
        hostileLocalId: await decisionOf(sent.hostileLocalId),
        hostileName: await decisionOf(sent.hostileName),
        overlongLocalId: await decisionOf(sent.overlongLocalId),
        matchingLocalId: await decisionOf(sent.matchingLocalId),
        ordinary: [] as Array<{ outcome: string; reasons: string[] }>,
      };
      // One at a time: one pg client runs one query at a time.
      for (const item of sent.ordinary) decisions.ordinary.push(await decisionOf(item));
      // Nothing stuck: every partition's offsets are committed past the last record sent to it.
      const last = new Map<number, string>();
      for (const item of [sent.hostileLocalId, sent.hostileName, sent.overlongLocalId, sent.matchingLocalId, ...sent.ordinary]) {
        if (BigInt(item.offset) >= BigInt(last.get(item.partition) ?? '-1')) last.set(item.partition, item.offset);
      }
      await eventually(async () => {
        for (const [partition, offset] of last) if (!(await committedPast(admin, GROUP, TOPIC, partition, offset))) return undefined;
        return true;
      }, 60_000);
      return { sent, decisions };
    });

    const [health, { sent, decisions }] = await Promise.all([watchHealth(decided), decided]);
    loop.disable();
    const worstStallMs = loop.max / 1e6;

    expect(decisions.hostileLocalId).toEqual({ outcome: 'withheld', reasons: ['condition-not-met'] });
    expect(decisions.hostileName).toEqual({ outcome: 'withheld', reasons: ['condition-not-met'] });
    expect(decisions.matchingLocalId).toEqual({ outcome: 'shared', reasons: ['permitted'] });
    expect(decisions.ordinary).toEqual(sent.ordinary.map(() => ({ outcome: 'shared', reasons: ['permitted'] })));
    // Too long to be a record key: dead-lettered before any condition sees it.
    expect(decisions.overlongLocalId).toEqual({ outcome: 'rejected', reasons: ['invalid-envelope'] });
    const letter = await eventually(async () =>
      deadLetters.messages.find(
        (message) =>
          message.headers[DEAD_LETTER_HEADERS.topic] === TOPIC &&
          message.headers[DEAD_LETTER_HEADERS.partition] === String(sent.overlongLocalId.partition) &&
          message.headers[DEAD_LETTER_HEADERS.offset] === sent.overlongLocalId.offset,
      ),
    );
    expect(readDeadLetter(letter.message.headers)).toMatchObject({ reason: 'invalid-envelope' });

    const delivered = await inbox.waitFor((message) => [sent.matchingLocalId, ...sent.ordinary].some((item) => item.id === message.headers.ce_id), 7);
    expect(delivered).toHaveLength(7);
    expect(inbox.messages.filter((message) => [sent.hostileLocalId.id, sent.hostileName.id].includes(message.headers.ce_id!))).toEqual([]);

    expect(health.statuses).toEqual(new Set([200]));
    expect(health.polls).toBeGreaterThan(1);
    // eslint-disable-next-line no-console
    console.log(
      `while the hostile events were decided: the event loop's longest stall ${worstStallMs.toFixed(0)} ms; /health worst ${health.worstMs.toFixed(0)} ms over ${health.polls} polls (it connects to Kafka and Postgres each time)`,
    );
    expect(worstStallMs).toBeLessThan(1000);
  });
});
