import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { GENESIS_HASH, canonicalContent, hashContent, verifyChain, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';
import { createTestDatabase, exampleDecision, type TestDatabase } from '@accord/testing';
import {
  appendDecisions,
  dataSourceOptions,
  deletePurgedDecisions,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  linkedSubjectKeys,
  openDatabase,
  decisionFromJson,
  findDecisionTexts,
  readChainHead,
  readDecision,
  readDecisionAt,
  readDecisionsAfter,
  readRenderedRows,
  streamFlatDecisions,
  summariseDecisions,
} from '@accord/persistence';

/** The file's decisions: int64 offsets and millisecond times must read back exactly. */
const decision = (overrides: Partial<UnchainedDecision> = {}): UnchainedDecision =>
  exampleDecision({ partition: 2, offset: '9007199254740993', decidedAt: '2026-04-01T09:30:00.123Z', ...overrides });

describe('the audit log writer against the real Postgres', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const open = (poolSize = 4) =>
    openDatabase({
      ...dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS, poolSize }),
    });

  async function allRows(source: DataSource) {
    const { head } = await readChainHead(source.manager);
    return readDecisionsAfter(source.manager, 0, head.seq, 1_000_000);
  }

  beforeAll(async () => {
    database = await createTestDatabase('decision_log');
    dataSource = await open();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  it('writes rows that read back exactly as chained, nulls, special-category basis and int64 offsets included', async () => {
    const written = await dataSource.transaction((manager) =>
      appendDecisions(manager, [
        decision(),
        decision({
          lawfulBasis: { article6: 'public-task', article9: 'health-social-care', legislation: [] },
          outcome: 'withheld',
          reasons: ['objection'],
          fieldsReleased: [],
          consentRefs: [randomUUID()],
          payloadDigest: null,
        }),
        decision({
          eventId: null,
          eventType: null,
          recipient: null,
          agreementId: null,
          agreementVersion: null,
          purpose: null,
          lawfulBasis: null,
          outcome: 'rejected',
          reasons: ['invalid-identifier'],
          fieldsReleased: [],
          fieldsWithheld: [],
          subjectKey: null,
          payloadDigest: null,
          offset: '0',
        }),
      ]),
    );
    expect(written.map((row) => row.seq)).toEqual([1, 2, 3]);
    expect(written[0].prevHash).toBe(GENESIS_HASH);

    const read = await allRows(dataSource);
    expect(read).toEqual(written);
    expect(verifyChain(read, { partitionChainsAfter: 0 })).toMatchObject({ ok: true, checked: 3 });
    expect((await readChainHead(dataSource.manager)).head).toEqual({ seq: 3, hash: written[2].hash });
  });

  describe('rendering canonical content in Postgres for verification', () => {
    /** Every control character, the characters JSON escapes by name, and text beyond ASCII. */
    const awkward = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code)).join('').slice(1) + '"\\/\u007f\u2028\u2029é 😀';
    let rows: ChainedDecision[];
    let first: number;

    beforeAll(async () => {
      first = (await readChainHead(dataSource.manager)).head.seq + 1;
      rows = await dataSource.transaction((manager) =>
        appendDecisions(manager, [
          decision({ purpose: 'plain purpose', lawfulBasis: { article6: 'public-task', article9: null, legislation: ['Care Act 2014 §42 — é 😀'] } }),
          decision({ purpose: awkward, eventId: awkward, reasons: [awkward, ''], fieldsReleased: ['a"b', 'c\\d'], consentRefs: [] }),
          decision({
            eventId: null,
            eventType: null,
            source: null,
            recipient: null,
            agreementId: null,
            agreementVersion: null,
            purpose: '',
            lawfulBasis: null,
            outcome: 'rejected',
            subjectKey: null,
            payloadDigest: null,
            decidedAt: '2026-12-31T23:59:59.999Z',
          }),
          decision({ lawfulBasis: { article6: awkward, article9: 'health-social-care', legislation: [awkward, 'null'] }, agreementVersion: 2_147_483_647 }),
        ]),
      );
    });

    const rendered = () => readRenderedRows(dataSource.manager, first - 1, first - 1 + rows.length);
    /** The rows as verification reads them: the first read meets their lawful bases, the second has Postgres hash each row. */
    const hashedByPostgres = async (manager = dataSource.manager, from = first - 1, through = first - 1 + rows.length) => {
      await readRenderedRows(manager, from, through, { hashInDatabase: true });
      return readRenderedRows(manager, from, through, { hashInDatabase: true });
    };

    it('writes each row exactly as canonicalContent of the row as read, which hashes to the stored hash', async () => {
      const read = await readDecisionsAfter(dataSource.manager, first - 1, first - 1 + rows.length, rows.length);
      expect(read).toEqual(rows);
      const out = await rendered();
      expect(out.map((row) => row.content)).toEqual(read.map((row) => canonicalContent(row)));
      expect(out.map((row) => hashContent(row.prevHash, row.content!))).toEqual(rows.map((row) => row.hash));
      expect(out.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash }))).toEqual(rows.map(({ seq, prevHash, hash }) => ({ seq, prevHash, hash })));
    });

    it("hashes each row in Postgres exactly as hashContent of its content, escapes, non-ASCII and NULLs included", async () => {
      const hashed = await hashedByPostgres();
      // Only the hash travels: the content is not read.
      expect(hashed.map((row) => row.content)).toEqual(rows.map(() => null));
      expect(hashed.map((row) => row.contentHash)).toEqual(rows.map((row) => row.hash));
      expect(hashed.map(({ seq, prevHash, hash, topic, partition }) => ({ seq, prevHash, hash, topic, partition }))).toEqual(
        (await rendered()).map(({ seq, prevHash, hash, topic, partition }) => ({ seq, prevHash, hash, topic, partition })),
      );
    });

    // Edits whose values a looser rendering could write as the original: each must change the content.
    it.each([
      ['a NULL made an empty string', `UPDATE decisions SET event_id = '' WHERE seq = $1 + 2`, 2],
      ["a NULL made the text 'null'", `UPDATE decisions SET event_id = 'null' WHERE seq = $1 + 2`, 2],
      ['an empty string made NULL', `UPDATE decisions SET purpose = NULL WHERE seq = $1 + 2`, 2],
      ['an empty array given an empty string', `UPDATE decisions SET consent_refs = '{""}' WHERE seq = $1 + 1`, 1],
      ['an array made two-dimensional', `UPDATE decisions SET reasons = ARRAY[reasons] WHERE seq = $1 + 1`, 1],
      ['a time moved by a microsecond', `UPDATE decisions SET decided_at = decided_at + interval '1 microsecond' WHERE seq = $1`, 0],
      ['a time moved to the same day BC', `UPDATE decisions SET decided_at = '2026-04-01T09:30:00.123Z BC' WHERE seq = $1`, 0],
      ['a lawful basis given another key', `UPDATE decisions SET lawful_basis = lawful_basis || '{"article10": null}' WHERE seq = $1`, 0],
      ['a lawful basis given another act', `UPDATE decisions SET lawful_basis = jsonb_set(lawful_basis, '{legislation}', lawful_basis->'legislation' || '"x"') WHERE seq = $1 + 3`, 3],
      ['an offset given a leading zero', `UPDATE decisions SET kafka_offset = '0' || kafka_offset WHERE seq = $1`, 0],
    ])('fails the hash of a row when %s', async (_edit, sql, index) => {
      await expect(
        dataSource.transaction(async (manager) => {
          // As someone with the database's superuser rights would: past the append-only trigger.
          await manager.query('SET LOCAL session_replication_role = replica');
          await manager.query(sql, [first]);
          const [edited] = await readRenderedRows(manager, first - 1 + index, first + index);
          expect(edited.seq).toBe(rows[index].seq);
          expect(edited.content === null ? undefined : hashContent(edited.prevHash, edited.content)).not.toBe(rows[index].hash);
          const [hashed] = await hashedByPostgres(manager, first - 1 + index, first + index);
          expect(hashed.seq).toBe(rows[index].seq);
          // Hashed by Postgres (null when it cannot write the content), and not to the row's hash.
          expect(hashed.contentHash).not.toBeUndefined();
          expect(hashed.contentHash).not.toBe(rows[index].hash);
          throw new Error('roll the edit back');
        }),
      ).rejects.toThrow('roll the edit back');
      expect((await rendered()).map((row) => hashContent(row.prevHash, row.content!))).toEqual(rows.map((row) => row.hash));
      expect((await hashedByPostgres()).map((row) => row.contentHash)).toEqual(rows.map((row) => row.hash));
    });

    // An auditor looking into a broken row must see its time as stored, the same in every read, never as another time.
    it.each([
      ['moved by a microsecond', `decided_at + interval '1 microsecond'`, '2026-04-01T09:30:00.123001Z', undefined],
      ['moved to the same day BC', `'2026-04-01T09:30:00.123Z BC'`, '2026-04-01T09:30:00.123000Z BC', 'first'],
      ['made infinite', `'infinity'`, 'infinity', 'last'],
      ['made minus infinity', `'-infinity'`, '-infinity', 'first'],
    ] as const)('shows a decision time %s as it is stored, in every read of the row', async (_edit, value, shown, end) => {
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.query('SET LOCAL session_replication_role = replica');
          // Whatever the session's own settings, which a plain cast of the time would follow.
          await manager.query(`SET LOCAL TimeZone = 'Europe/London'`);
          await manager.query(`SET LOCAL DateStyle = 'German'`);
          await manager.query(`UPDATE decisions SET decided_at = ${value} WHERE seq = $1`, [first]);
          const row = rows[0]!;
          const flat: unknown[] = [];
          await streamFlatDecisions(manager, {}, first - 1, 1, ['decidedAt'], ';', ([decidedAt]) => flat.push(decidedAt));
          const texts = await findDecisionTexts(manager, {}, first - 1, 1);
          expect([
            (await readDecisionAt(manager, first))?.decidedAt,
            (await readDecision(manager, row.decisionId))?.decidedAt,
            (await readDecisionsAfter(manager, first - 1, first, 1))[0]?.decidedAt,
            decisionFromJson(texts[0]!.text).decidedAt,
            flat[0],
          ]).toEqual([shown, shown, shown, shown, shown]);
          // The summary's span too, where the edit made it the first or the last time of the log.
          if (end !== undefined) expect((await summariseDecisions(manager, {}))[end]).toBe(shown);
          // And verification's rendering of it cannot match the row's hash.
          const [edited] = await readRenderedRows(manager, first - 1, first);
          expect(edited.content === null ? undefined : hashContent(edited.prevHash, edited.content)).not.toBe(row.hash);
          expect((await hashedByPostgres(manager, first - 1, first))[0]!.contentHash).not.toBe(row.hash);
          throw new Error('roll the edit back');
        }),
      ).rejects.toThrow('roll the edit back');
    });
  });

  it('writes nothing and keeps the head when the caller rolls back', async () => {
    const before = await readChainHead(dataSource.manager);
    await expect(
      dataSource.transaction(async (manager) => {
        await appendDecisions(manager, [decision()]);
        throw new Error('the broker failed after appending');
      }),
    ).rejects.toThrow('the broker failed');
    expect(await readChainHead(dataSource.manager)).toEqual(before);
  });

  it('keeps every partition chain intact, seqs unique and increasing, while two separate DataSources append many batches at once', async () => {
    const other = await open();
    try {
      const before = (await readChainHead(dataSource.manager)).head.seq;
      const batchesPerWriter = 40;
      const writer = (source: DataSource, label: string) =>
        Promise.all(
          // Several transactions in flight per DataSource too, on one partition each: its head lock must serialise them.
          Array.from({ length: 4 }, async (_, lane) => {
            let rows = 0;
            for (let batch = lane; batch < batchesPerWriter; batch += 4) {
              const size = 1 + ((batch * 7) % 13);
              await source.transaction((manager) =>
                appendDecisions(manager, Array.from({ length: size }, () => decision({ topic: `topic-${label}` }))),
              );
              rows += size;
            }
            return rows;
          }),
        );
      const [first, second] = await Promise.all([writer(dataSource, 'one'), writer(other, 'two')]);
      const appended = [...first, ...second].reduce((sum, rows) => sum + rows, 0);

      const rows = await allRows(dataSource);
      const fresh = rows.filter((row) => row.seq > before);
      expect(fresh).toHaveLength(appended);
      // Each partition's rows in the order they were appended; an append rolled back earlier left a gap, which is allowed.
      expect(new Set(rows.map((row) => row.seq)).size).toBe(rows.length);
      expect(new Set(rows.map((row) => row.topic))).toEqual(new Set(['accord.events.southampton.adult-social-care', 'topic-one', 'topic-two']));
      expect(verifyChain(rows, { partitionChainsAfter: 0 })).toMatchObject({ ok: true, checked: rows.length });
      expect((await readChainHead(other.manager)).head).toEqual({ seq: rows[rows.length - 1].seq, hash: rows[rows.length - 1].hash });
    } finally {
      await other.destroy();
    }
  });

  it('remembers that an NHS number key and an NI number key belong together, once', async () => {
    const link = { nhsNumber: 'c'.repeat(64), niNumber: 'd'.repeat(64) };
    await dataSource.transaction((manager) =>
      appendDecisions(manager, [
        { ...decision({ subjectKey: link.nhsNumber }), subjectKeys: link },
        { ...decision({ subjectKey: link.nhsNumber }), subjectKeys: link },
        { ...decision({ subjectKey: 'e'.repeat(64) }), subjectKeys: { nhsNumber: 'e'.repeat(64) } },
      ]),
    );
    expect(await linkedSubjectKeys(dataSource.manager, [link.niNumber])).toEqual([link.nhsNumber]);
    expect(await linkedSubjectKeys(dataSource.manager, [link.nhsNumber])).toEqual([link.niNumber]);
    expect(await linkedSubjectKeys(dataSource.manager, ['e'.repeat(64)])).toEqual([]);
  });

  it('refuses to update, delete or truncate sealed rows, except the retention purge', async () => {
    await expect(dataSource.query(`UPDATE decisions SET outcome = 'withheld' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM decisions WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(dataSource.query('TRUNCATE decisions')).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM audit_checkpoints')).rejects.toThrow(/append-only/);

    expect(await deletePurgedDecisions(dataSource.manager, 2, 1)).toBe(1);
    expect(await deletePurgedDecisions(dataSource.manager, 2, 10)).toBe(1);
    expect(await deletePurgedDecisions(dataSource.manager, 2, 10)).toBe(0);
    const [{ first }] = await dataSource.query('SELECT min(seq)::int AS first FROM decisions');
    expect(first).toBe(3);
    // The exception is scoped to the purge's own transaction.
    await expect(dataSource.query('DELETE FROM decisions WHERE seq = 3')).rejects.toThrow(/append-only/);
  });
});
