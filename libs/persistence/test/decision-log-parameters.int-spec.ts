import type { DataSource } from 'typeorm';
import { verifyChain, type UnchainedDecision } from '@accord/audit-chain';
import { createTestDatabase, exampleDecision, type TestDatabase } from '@accord/testing';
import {
  appendDecisions,
  dataSourceOptions,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  openDatabase,
  readChainHead,
  readDecisionsAfter,
  streamFlatDecisions,
} from '@accord/persistence';

/**
 * The writer sends each column as a Postgres array literal, and each distinct list and
 * lawful basis once with a subscript per row: what an array literal could read differently
 * (NULL, braces, commas, spaces) and how rows share lists must not change a stored value.
 */
describe("the audit log writer's parameters against the real Postgres", () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('decision_log_parameters');
    dataSource = await openDatabase(
      dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS, poolSize: 2 }),
    );
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  const decision = (overrides: Partial<UnchainedDecision> = {}): UnchainedDecision =>
    exampleDecision({ offset: '9007199254740993', decidedAt: '2026-04-01T09:30:00.123Z', ...overrides });

  async function appendAndReadBack(decisions: UnchainedDecision[]) {
    const before = (await readChainHead(dataSource.manager)).head;
    const written = await dataSource.transaction((manager) => appendDecisions(manager, decisions));
    // Seqs increase but may skip (a refused append drew some), so read up to the last one written.
    const read = await readDecisionsAfter(dataSource.manager, before.seq, written.at(-1)!.seq, decisions.length);
    return { written, read };
  }

  it('stores text that an array literal would read as NULL, as several elements or trimmed, exactly', async () => {
    const literalLike = ['NULL', 'null', '{a,b}', 'a,b', '{', '}', ' padded ', '', ' ', '"', '\\', '\\"', '{"NULL"}', 'ROW(1)'];
    const { written, read } = await appendAndReadBack(
      literalLike.map((text) =>
        decision({
          eventId: text,
          purpose: text,
          reasons: [text, text],
          fieldsReleased: [text],
          consentRefs: literalLike,
          lawfulBasis: { article6: text, article9: text, legislation: [text] },
        }),
      ),
    );
    expect(read).toEqual(written);
    expect(read.map((row) => row.eventId)).toEqual(literalLike);
  });

  it('gives each row its own lists and basis when rows share some, repeat them in other columns or leave them empty', async () => {
    const lists = [[], ['a'], ['a', 'b'], ['b', 'a'], ['a', 'b', 'c'], ['a,b'], ['']];
    const bases = [null, { article6: 'public-task', article9: null, legislation: [] }, { article6: 'public-task', article9: 'x', legislation: ['y'] }];
    const decisions = Array.from({ length: 300 }, (_, index) =>
      decision({
        reasons: lists[index % lists.length],
        fieldsReleased: lists[(index * 3) % lists.length],
        fieldsWithheld: lists[(index * 5 + 1) % lists.length],
        consentRefs: lists[(index * 2 + 3) % lists.length],
        lawfulBasis: bases[index % bases.length],
        agreementVersion: index % 4 === 0 ? null : index,
        partition: index % 7,
      }),
    );
    const { written, read } = await appendAndReadBack(decisions);
    expect(read).toEqual(written);
    const shared = ({ reasons, fieldsReleased, fieldsWithheld, consentRefs, lawfulBasis }: UnchainedDecision) => ({
      reasons,
      fieldsReleased,
      fieldsWithheld,
      consentRefs,
      lawfulBasis,
    });
    expect(read.map(shared)).toEqual(decisions.map(shared));
    const { head } = await readChainHead(dataSource.manager);
    const all = await readDecisionsAfter(dataSource.manager, 0, head.seq, 1_000_000);
    expect(verifyChain(all, { partitionChainsAfter: 0 })).toMatchObject({ ok: true, checked: all.length });
  });

  it('refuses a lone surrogate, which would be stored as U+FFFD outside its hash, and writes nothing', async () => {
    const before = await readChainHead(dataSource.manager);
    for (const text of ['\ud800', 'x\udfffy', 'ends high \ud83d']) {
      await expect(dataSource.transaction((manager) => appendDecisions(manager, [decision(), decision({ reasons: [text] })]))).rejects.toThrow(
        /lone UTF-16 surrogate/,
      );
    }
    expect(await readChainHead(dataSource.manager)).toEqual(before);
    // A surrogate pair is a character like any other.
    const { written, read } = await appendAndReadBack([decision({ purpose: 'é 😀 "quoted" \\ 😀' })]);
    expect(read).toEqual(written);
  });

  it('reads rows flat as the JSON read has them, page by page, whether or not the seq is among the fields asked for', async () => {
    const lists = [[], ['a'], ['a', 'b|c'], ['']];
    const bases = [null, { article6: 'public-task', article9: null, legislation: ['Care Act 2014 s.42'] }];
    const { read } = await appendAndReadBack(
      Array.from({ length: 40 }, (_, index) =>
        decision({ reasons: lists[index % lists.length], lawfulBasis: bases[index % bases.length], agreementVersion: index % 3 === 0 ? null : index }),
      ),
    );
    const flatOf = (row: (typeof read)[number], field: keyof (typeof read)[number]) => {
      const value = row[field];
      return Array.isArray(value) ? value.join('|') : value;
    };
    const withSeq = ['seq', 'eventId', 'reasons', 'lawfulBasis', 'decidedAt', 'partition'] as const;
    const withoutSeq = ['eventId', 'reasons', 'lawfulBasis', 'decidedAt', 'agreementVersion'] as const;
    for (const fields of [withSeq, withoutSeq]) {
      // Two pages of 25 and 15 rows, the second after the seq the first ended at.
      const rows: Array<Array<string | number | null>> = [];
      const first = await streamFlatDecisions(dataSource.manager, {}, read[0]!.seq - 1, 25, fields, '|', (values) => rows.push(values));
      expect(first).toEqual({ count: 25, lastSeq: read[24]!.seq });
      const second = await streamFlatDecisions(dataSource.manager, {}, first.lastSeq!, 25, fields, '|', (values) => rows.push(values));
      expect(second).toEqual({ count: 15, lastSeq: read[39]!.seq });
      // Each row holds exactly the fields asked for, in their order; the lawful basis is its jsonb's text.
      const parsed = rows.map((values) => values.map((value, i) => (fields[i] === 'lawfulBasis' && value !== null ? JSON.parse(value as string) : value)));
      expect(parsed).toEqual(read.map((row) => fields.map((field) => flatOf(row, field))));
    }
  });
});
