import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { Admin, IHeaders, Message, Producer } from 'kafkajs';
import { Client } from 'pg';
import { DEAD_LETTER_HEADERS, DLQ_TOPIC, eventsTopic, HEADERS, inboxTopic, readDeadLetter, REJECTION_REASONS } from '@accord/contracts';
import { eventually, randomNhsNumber, testKafka, TopicRecorder, uniqueParticipant, type RunningApp } from '@accord/testing';
import { committedPast, eventRecord, referenceAgreement, startTestBroker } from './support';

/*
 * Hostile input against the real broker, Kafka and Postgres (issue 17): every byte of a
 * record comes from a partner. Whatever a record holds, it costs that record only — it is
 * decided or dead-lettered with a reason — and the partition goes on.
 */
describe('sharing broker: hostile records cost themselves, never the partition', () => {
  const ASC = uniqueParticipant('adult-social-care');
  const RB = uniqueParticipant('revenues-benefits');
  const GROUP = `accord-sharing-broker-test-${randomUUID()}`;
  const careHome = referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB });
  const TYPE = 'asc.service.started.v1';
  const TOPIC = eventsTopic(ASC);

  let broker: RunningApp;
  let sql: Client;
  let admin: Admin;
  let close: () => Promise<void>;
  let producer: Producer;
  let inbox: TopicRecorder;
  let deadLetters: TopicRecorder;
  /** Ids of the valid events published by every test of this file. */
  const validIds = new Set<string>();

  beforeAll(async () => {
    // One partition: every record's offset is known from its send, and one stuck record would stop all behind it.
    ({ broker, sql, admin, close } = await startTestBroker({
      name: 'hostile-records',
      groupId: GROUP,
      topics: [
        { topic: TOPIC, numPartitions: 1 },
        { topic: inboxTopic(RB), numPartitions: 3 },
      ],
      consumes: [ASC],
      agreements: [careHome],
    }));
    producer = testKafka('hostile-records-test').producer({ allowAutoTopicCreation: false });
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

  /** Publishes one record and returns its offset. */
  async function send(message: Message): Promise<string> {
    const [metadata] = await producer.send({ topic: TOPIC, messages: [message], acks: -1 });
    return metadata!.baseOffset!;
  }

  function valid(id: string = randomUUID()) {
    return eventRecord(ASC, TYPE, { localId: `person-${randomUUID()}`, nhsNumber: randomNhsNumber() }, {}, id);
  }

  const deadLetterAt = (offset: string) =>
    deadLetters.messages.find((message) => message.headers[DEAD_LETTER_HEADERS.topic] === TOPIC && message.headers[DEAD_LETTER_HEADERS.offset] === offset);

  async function healthy(): Promise<void> {
    const response = await broker.request('GET', '/health');
    expect(response.status).toBe(200);
  }

  it('dead-letters a value nested 50,000 deep and decides the valid event behind it on the same key within seconds', async () => {
    const behind = valid();
    const key = behind.message.key as string;
    const poison = {
      key,
      headers: { ...(behind.message.headers as IHeaders), [HEADERS.id]: randomUUID() },
      value: `{"subject":{"localId":${JSON.stringify(key)}},"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
    };
    const poisonOffset = await send(poison);
    const started = Date.now();
    validIds.add(behind.id);
    await send(behind.message);

    const [delivered] = await inbox.waitFor((message) => message.headers.ce_id === behind.id, 1, 20_000);
    expect(delivered).toBeDefined();
    const letter = await eventually(async () => deadLetterAt(poisonOffset), 20_000);
    expect(readDeadLetter(letter.message.headers)).toMatchObject({ reason: 'invalid-envelope', problems: [{ path: 'value', problem: expect.stringContaining('deep') }] });
    const { rows } = await sql.query(`SELECT outcome, reasons FROM decisions WHERE topic = $1 AND kafka_offset = $2`, [TOPIC, poisonOffset]);
    expect(rows).toEqual([{ outcome: 'rejected', reasons: ['invalid-envelope'] }]);
    // eslint-disable-next-line no-console
    console.log(`poison record then a valid one: the valid one delivered ${Date.now() - started} ms after it was published`);
    await healthy();
  });

  it('headers named like the members of every JavaScript object (toString, __proto__, …) are carried as headers, and the partition goes on', async () => {
    // kafkajs 2.2.4 merges a record's headers into a plain object by spreading it per header, so a
    // header `toString` met the inherited function and came out as [function, bytes]: copying that
    // into a dead letter threw, and the batch was retried for ever.
    const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
    const extra = Object.fromEntries(names.map((name) => [name, Buffer.from(`partner-${name}`)]));
    const shared = valid();
    validIds.add(shared.id);
    const rejected = valid();
    const rejectedValue = String(rejected.message.value).replace(/}$/, ',"unexpected":1}');
    const rejectedOffset = await send({ ...rejected.message, value: rejectedValue, headers: { ...(rejected.message.headers as IHeaders), ...extra } });
    await send({ ...shared.message, headers: { ...(shared.message.headers as IHeaders), ...extra } });
    const behind = valid();
    validIds.add(behind.id);
    await send(behind.message);

    await inbox.waitFor((message) => message.headers.ce_id === behind.id, 1, 20_000);
    expect(inbox.messages.filter((message) => message.headers.ce_id === shared.id)).not.toEqual([]);
    const letter = await eventually(async () => deadLetterAt(rejectedOffset), 20_000);
    expect(readDeadLetter(letter.message.headers)?.reason).toBe('invalid-payload');
    for (const name of names) expect(Object.getOwnPropertyDescriptor(letter.headers, name)?.value).toBe(`partner-${name}`);
    await healthy();
  });

  it('1,000 generated hostile records: each is decided or dead-lettered with a reason, only valid ones are shared, and the partition drains', async () => {
    const shared = [valid(), valid(), valid()];
    for (const record of shared) {
      validIds.add(record.id);
      await send(record.message);
    }
    await inbox.waitFor((message) => shared.some((record) => record.id === message.headers.ce_id), shared.length, 30_000);

    const base = () => valid();
    const header = (name: string, value: string | Buffer | Buffer[]) => (message: Message): Message => ({ ...message, headers: { ...(message.headers as IHeaders), [name]: value } });
    const withData = (change: (data: Record<string, unknown>) => void) => (message: Message): Message => {
      const data = JSON.parse(String(message.value)) as Record<string, unknown>;
      change(data);
      return { ...message, value: JSON.stringify(data) };
    };
    // The headers an event carries (all required); others are ignored and never forwarded.
    const ceHeaders = Object.keys(base().message.headers as IHeaders);
    const hostile: fc.Arbitrary<{ kind: string; change: (message: Message) => Message }> = fc.oneof(
      fc.record({ kind: fc.constant('valid'), change: fc.constant((message: Message) => message) }),
      fc.record({
        kind: fc.constant('wrong types'),
        // A value of another JSON type than the field's (so never valid by chance).
        change: fc
          .tuple(fc.constantFrom('serviceType', 'startDate', 'weeklyCost', 'subject', 'plannedUnitsPerWeek'), fc.jsonValue())
          .filter(([field, value]) => jsonType(value) !== jsonType((valid().data as Record<string, unknown>)[field]))
          .map(([field, value]) => withData((data) => (data[field] = value))),
      }),
      fc.record({
        kind: fc.constant('bad identifier'),
        change: fc.string({ minLength: 0, maxLength: 20 }).map((nhsNumber) => withData((data) => ((data.subject as Record<string, unknown>).nhsNumber = nhsNumber))),
      }),
      fc.record({ kind: fc.constant('huge string'), change: fc.integer({ min: 17_000, max: 200_000 }).map((length) => withData((data) => (data.serviceType = 'x'.repeat(length)))) }),
      fc.record({
        kind: fc.constant('deep nesting'),
        change: fc.integer({ min: 33, max: 20_000 }).map((depth) => (message: Message): Message => ({
          ...message,
          value: String(message.value).replace(/}$/, `,"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
        })),
      }),
      fc.record({
        kind: fc.constant('invalid UTF-8'),
        change: fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80]).map((bytes) => (message: Message): Message => {
          const value = Buffer.from(String(message.value));
          return { ...message, value: Buffer.concat([value.subarray(0, 20), Buffer.from(bytes), value.subarray(20)]) };
        }),
      }),
      fc.record({
        kind: fc.constant('missing header'),
        change: fc.constantFrom(...ceHeaders).map((name) => (message: Message): Message => {
          const headers = { ...(message.headers as IHeaders) };
          delete headers[name];
          return { ...message, headers };
        }),
      }),
      fc.record({ kind: fc.constant('duplicated header'), change: fc.constantFrom(...ceHeaders).map((name) => header(name, [Buffer.from('a'), Buffer.from('b')])) }),
      fc.record({
        kind: fc.constant('control characters in a header'),
        change: fc.tuple(fc.constantFrom(...ceHeaders), fc.constantFrom('\n', '\r\n', '\u0000', '\u001b[31m', '\u007f')).map(([name, control]) => (message: Message) =>
          header(name, `${String((message.headers as IHeaders)[name] ?? 'x')}${control}forged`)(message),
        ),
      }),
      fc.record({ kind: fc.constant('not JSON'), change: fc.string({ maxLength: 200 }).map((text) => (message: Message): Message => ({ ...message, value: `{${text}` })) }),
      fc.record({ kind: fc.constant('reused ce_id, other content'), change: fc.constantFrom(...shared).map((earlier) => header(HEADERS.id, earlier.id)) }),
    );
    const generated = fc.sample(hostile, { numRuns: 1000, seed: 1703 });
    // One value of about 1 MB (Kafka's default record limit), and one key over the bound.
    const records: Array<{ kind: string; message: Message }> = [
      ...generated.map(({ kind, change }) => ({ kind, message: change(base().message) })),
      { kind: '1 MB value', message: withData((data) => (data.padding = 'p'.repeat(1000 * 1000)))(base().message) },
      { kind: 'huge key', message: { ...base().message, key: 'k'.repeat(10_000) } },
    ];

    const sent: Array<{ kind: string; offset: string; id: string | undefined; valid: boolean }> = [];
    for (const { kind, message } of records) {
      const id = (message.headers as IHeaders)[HEADERS.id];
      sent.push({ kind, offset: await send(message), id: typeof id === 'string' ? id : undefined, valid: kind === 'valid' });
    }
    const last = sent[sent.length - 1]!;
    const started = Date.now();
    await eventually(async () => ((await committedPast(admin, GROUP, TOPIC, 0, last.offset)) ? true : undefined), 120_000);
    // eslint-disable-next-line no-console
    console.log(`${records.length} hostile records (${[...new Set(sent.map((item) => item.kind))].join(', ')}) drained in ${Date.now() - started} ms`);
    await healthy();

    // Each record: a decision at its offset, a dead letter with a known reason, or (an id decided before) nothing new.
    const { rows } = await sql.query(`SELECT kafka_offset, outcome FROM decisions WHERE topic = $1`, [TOPIC]);
    const decidedOffsets = new Set(rows.map((row) => String(row.kafka_offset)));
    const unaccounted = sent.filter((item) => {
      if (decidedOffsets.has(item.offset)) return false;
      const letter = deadLetterAt(item.offset);
      if (letter) return !(REJECTION_REASONS as readonly string[]).includes(readDeadLetter(letter.message.headers)?.reason ?? '');
      return !(item.kind === 'reused ce_id, other content' && shared.some((record) => record.id === item.id));
    });
    expect(unaccounted).toEqual([]);
    const reasons = new Set(deadLetters.messages.filter((message) => message.headers[DEAD_LETTER_HEADERS.topic] === TOPIC).map((message) => message.headers[DEAD_LETTER_HEADERS.reason]));
    expect([...reasons].sort()).toEqual(expect.arrayContaining(['duplicate-id-conflict', 'invalid-envelope', 'invalid-identifier', 'invalid-payload']));

    // Shared: only records that were valid, and a reused id never with other content than its first.
    for (const item of sent) if (item.valid) validIds.add(item.id!);
    const delivered = inbox.messages.filter((message) => message.topic === inboxTopic(RB));
    const kindOf = new Map(sent.map((item) => [item.id, item.kind]));
    expect(delivered.filter((message) => !validIds.has(message.headers.ce_id!)).map((message) => kindOf.get(message.headers.ce_id))).toEqual([]);
    expect(delivered.length).toBeGreaterThan(sent.filter((item) => item.valid).length);
    for (const record of shared) {
      const values = new Set(delivered.filter((message) => message.headers.ce_id === record.id).map((message) => message.value));
      expect(values.size).toBe(1);
    }
    // The oversized parts stay out of the DLQ: a dead letter must fit a produce request.
    const oversized = deadLetterAt(sent.find((item) => item.kind === '1 MB value')!.offset)!;
    expect(oversized.message.value).toBeNull();
    expect(oversized.headers[DEAD_LETTER_HEADERS.dropped]).toBe('value');
  }, 240_000);
});

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
