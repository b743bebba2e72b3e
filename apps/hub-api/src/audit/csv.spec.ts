import type { ChainedDecision } from '@accord/audit-chain';
import { parseCsvLine as parseLine } from '@accord/testing';
import { CSV_ARRAY_SEPARATOR, CSV_COLUMNS, CSV_HEADER, csvCell, FlatCsvWriter } from './csv';

const decision: ChainedDecision = {
  seq: 42,
  decisionId: '0b9c7e1e-3c55-4a43-9a0f-6d1f6a3c2b11',
  eventId: 'evt-1',
  eventType: 'care-home-placement.v1',
  source: 'southampton.adult-social-care',
  recipient: 'southampton.revenues-benefits',
  agreementId: 'scc-asc-care-home-to-rb',
  agreementVersion: 3,
  purpose: 'council-tax-and-benefits',
  lawfulBasis: { article6: 'public-task', article9: null },
  outcome: 'shared',
  reasons: [],
  fieldsReleased: ['subject.localId', 'serviceType'],
  fieldsWithheld: [],
  consentRefs: [],
  subjectKey: 'ab12',
  payloadDigest: 'cd34',
  topic: 'accord.events.southampton.adult-social-care',
  partition: 2,
  offset: '1017',
  decidedAt: '2026-11-29T10:00:00.000Z',
  prevHash: 'ef56',
  hash: '7890',
} as unknown as ChainedDecision;

/** A decision as streamFlatDecisions reads it: a value per CSV column, arrays joined, the lawful basis as Postgres writes jsonb. */
function flat(row: ChainedDecision): Array<string | number | null> {
  return CSV_COLUMNS.map((column) => {
    const value = row[column];
    if (column === 'lawfulBasis') return '{"article6": "public-task", "article9": null}';
    return Array.isArray(value) ? value.join(CSV_ARRAY_SEPARATOR) : (value as string | number | null);
  });
}

const csvLine = (row: ChainedDecision) => new FlatCsvWriter().line(flat(row));

describe('audit CSV', () => {
  it('writes the columns of the header, in order, and reads back as written', () => {
    expect(CSV_HEADER).toBe(CSV_COLUMNS.join(',') + '\r\n');
    const line = csvLine(decision);
    expect(line.endsWith('\r\n')).toBe(true);
    const cells = parseLine(line.slice(0, -2));
    expect(cells).toHaveLength(CSV_COLUMNS.length);
    const byColumn = Object.fromEntries(CSV_COLUMNS.map((column, index) => [column, cells[index]]));
    expect(byColumn.lawfulBasis).toBe('{"article6":"public-task","article9":null}');
    expect(byColumn.fieldsReleased).toBe('subject.localId;serviceType');
    expect(byColumn.reasons).toBe('');
    expect(byColumn.seq).toBe('42');
    expect(byColumn.offset).toBe('1017');
  });

  it('quotes a cell holding a comma, a quote or a line break, doubling quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "no"')).toBe('"say ""no"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
  });

  it('keeps a spreadsheet from reading a cell as a formula', () => {
    for (const text of ['=HYPERLINK("http://x")', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx']) {
      const cell = csvCell(text);
      const [read] = parseLine(cell);
      expect(read).toBe(`'${text}`);
    }
    // Inside a line, a partner's event id is neutralised too.
    const cells = parseLine(csvLine({ ...decision, eventId: '=cmd|" /C calc"!A0' } as ChainedDecision).slice(0, -2));
    expect(cells[CSV_COLUMNS.indexOf('eventId')]).toBe(`'=cmd|" /C calc"!A0`);
    expect(csvCell(-1)).toBe('-1');
  });
});
