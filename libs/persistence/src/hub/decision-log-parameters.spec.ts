import fc from 'fast-check';
import type { ChainedDecision } from '@accord/audit-chain';
import { DECISION_COLUMNS, decisionFromValues, decisionRowParameters } from './decision-log';

/*
 * The parameters read naively: each column mapped to its elements, each element quoted and
 * escaped on its own, joined; each distinct list and lawful basis numbered by its JSON.
 */
const COLUMNS: Array<[keyof ChainedDecision, 'list' | 'basis' | undefined]> = [
  ['seq', undefined], ['decisionId', undefined], ['eventId', undefined], ['eventType', undefined], ['source', undefined],
  ['recipient', undefined], ['agreementId', undefined], ['agreementVersion', undefined], ['purpose', undefined],
  ['lawfulBasis', 'basis'], ['outcome', undefined], ['reasons', 'list'], ['fieldsReleased', 'list'], ['fieldsWithheld', 'list'],
  ['consentRefs', 'list'], ['subjectKey', undefined], ['payloadDigest', undefined], ['topic', undefined], ['partition', undefined],
  ['offset', undefined], ['decidedAt', undefined], ['prevHash', undefined], ['hash', undefined],
];

function naiveElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  const text = value as string;
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) throw new Error('lone surrogate');
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
const naiveLiteral = (values: readonly unknown[]) => `{${values.map(naiveElement).join(',')}}`;

/** Distinct values numbered from 1 by key, in order of first use. */
class NaiveNumbering {
  readonly values: string[] = [];
  private readonly numbers = new Map<string, number>();
  numberOf(key: string, value: () => string): number {
    if (!this.numbers.has(key)) this.numbers.set(key, this.values.push(value()));
    return this.numbers.get(key)!;
  }
}

function naiveParameters(rows: readonly ChainedDecision[]): string[] {
  const lists = new NaiveNumbering();
  const bases = new NaiveNumbering();
  const columns = COLUMNS.map(([field, distinct]) =>
    naiveLiteral(
      rows.map((row) => {
        const value = row[field] as unknown;
        if (distinct === 'list') return lists.numberOf(JSON.stringify(value), () => naiveLiteral(value as string[]));
        if (distinct === 'basis') return value === null || value === undefined ? null : bases.numberOf(JSON.stringify(value), () => JSON.stringify(value));
        return value;
      }),
    ),
  );
  return [...columns, naiveLiteral(lists.values), naiveLiteral(bases.values)];
}

/** Text an array literal could misread: quotes, backslashes, braces, commas, spaces, NULL, non-ASCII. */
const awkward = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', ',', ' ', 'N', 'U', 'L', 'é', '\u{1f600}'), maxLength: 6 }),
  fc.constantFrom('NULL', 'null', '', 'permitted', 'subject.dateOfBirth'),
);
const nullable = fc.option(awkward, { nil: null });
const list = fc.oneof(fc.constantFrom<string[]>([], ['permitted'], ['a', 'b']), fc.array(awkward, { maxLength: 4 }));
const row: fc.Arbitrary<ChainedDecision> = fc.record({
  seq: fc.nat(),
  decisionId: awkward,
  eventId: nullable,
  eventType: nullable,
  source: nullable,
  recipient: nullable,
  agreementId: nullable,
  agreementVersion: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null }),
  purpose: nullable,
  lawfulBasis: fc.option(fc.record({ article6: awkward, article9: nullable, legislation: fc.array(awkward, { maxLength: 2 }) }), { nil: null }),
  outcome: fc.constantFrom('shared' as const, 'withheld' as const, 'rejected' as const),
  reasons: list,
  fieldsReleased: list,
  fieldsWithheld: list,
  consentRefs: list,
  subjectKey: nullable,
  payloadDigest: nullable,
  topic: awkward,
  partition: fc.nat(100),
  offset: fc.nat().map(String),
  decidedAt: awkward,
  prevHash: awkward,
  hash: awkward,
});

describe('decisionRowParameters', () => {
  it('writes the literals and numbering of the naive reading, for any rows', () => {
    fc.assert(fc.property(fc.array(row, { maxLength: 8 }), (rows) => JSON.stringify(decisionRowParameters(rows)) === JSON.stringify(naiveParameters(rows))), {
      numRuns: 3000,
    });
  });

  it('numbers a lawful basis object shared by rows as the naive reading does', () => {
    const sharing = fc.array(row, { minLength: 1, maxLength: 8 }).map((rows) => rows.map((each, index) => (index % 2 === 1 ? { ...each, lawfulBasis: rows[0]!.lawfulBasis } : each)));
    fc.assert(fc.property(sharing, (rows) => JSON.stringify(decisionRowParameters(rows)) === JSON.stringify(naiveParameters(rows))), { numRuns: 1000 });
  });

  it('refuses a lone surrogate, as the naive reading does', () => {
    const [example] = fc.sample(row, { numRuns: 1, seed: 3 });
    for (const rows of [[{ ...example!, purpose: 'x\ud800' }], [{ ...example!, reasons: ['\udc00'] }]]) {
      expect(() => naiveParameters(rows)).toThrow();
      expect(() => decisionRowParameters(rows)).toThrow('lone UTF-16 surrogate');
    }
  });
});

describe('DECISION_COLUMNS', () => {
  it('names every field of a decision row once, in the order the append sends them', () => {
    const [example] = fc.sample(row, { numRuns: 1, seed: 7 });
    expect(DECISION_COLUMNS.map(({ field }) => field)).toEqual(COLUMNS.map(([field]) => field));
    expect(new Set(DECISION_COLUMNS.map(({ field }) => field)).size).toBe(DECISION_COLUMNS.length);
    expect(DECISION_COLUMNS.map(({ field }) => field).sort()).toEqual(Object.keys(example!).sort());
  });

  it('is the order decisionFromValues reads a row in', () => {
    fc.assert(
      fc.property(row, (each) => {
        expect(decisionFromValues(DECISION_COLUMNS.map(({ field }) => each[field]))).toEqual(each);
      }),
      { numRuns: 300 },
    );
  });
});
