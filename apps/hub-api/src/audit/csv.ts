import type { ChainedDecision } from '@accord/audit-chain';
import type { DecisionView } from './dto/decision.view';

/** CSV columns: the decision record's fields in the order of docs/contract.md, "Decision records and the audit chain". */
export const CSV_COLUMNS = [
  'decisionId',
  'eventId',
  'eventType',
  'source',
  'recipient',
  'agreementId',
  'agreementVersion',
  'purpose',
  'lawfulBasis',
  'outcome',
  'reasons',
  'fieldsReleased',
  'fieldsWithheld',
  'consentRefs',
  'subjectKey',
  'payloadDigest',
  'topic',
  'partition',
  'offset',
  'decidedAt',
  'seq',
  'prevHash',
  'hash',
] as const satisfies readonly (keyof DecisionView & keyof ChainedDecision)[];

export const CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** What separates an array's elements in a cell. */
export const CSV_ARRAY_SEPARATOR = ';';

const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/**
 * One cell. Arrays are joined with `;`, objects (lawfulBasis) written as JSON. Text a
 * spreadsheet would take for a formula — starting with `=`, `+`, `-`, `@`, tab or carriage
 * return — gets a leading `'` (OWASP, "CSV injection"): an event id is a partner's text,
 * and an auditor opens the export in a spreadsheet. Then RFC 4180: quoted when it holds a
 * comma, a quote or a line break. Numbers are written as they are.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = Array.isArray(value) ? value.join(CSV_ARRAY_SEPARATOR) : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const first = text.charCodeAt(0);
  // = + - @ tab CR
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) text = `'${text}`;
  if (NEEDS_QUOTES.test(text)) text = `"${text.replace(QUOTE, '""')}"`;
  return text;
}

const LAWFUL_BASIS = CSV_COLUMNS.indexOf('lawfulBasis');
/** Distinct lawful bases remembered (a log holds one per agreement version; past this, each is parsed again). */
const MAX_REMEMBERED_BASES = 1000;

/**
 * CSV lines (CRLF) from decisions read flat in CSV_COLUMNS order (`streamFlatDecisions` with
 * CSV_ARRAY_SEPARATOR): each value is a cell as csvCell writes it, the lawful basis (the
 * jsonb's text, spaced as Postgres writes it) compact as JSON.stringify writes an object.
 * One writer per export: it remembers the few lawful bases it has seen.
 */
export class FlatCsvWriter {
  private readonly bases = new Map<string, string>();

  line(row: readonly (string | number | null)[]): string {
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      const cell = i === LAWFUL_BASIS && typeof value === 'string' ? this.basis(value) : csvCell(value);
      line += i === 0 ? cell : ',' + cell;
    }
    return line + '\r\n';
  }

  private basis(text: string): string {
    let cell = this.bases.get(text);
    if (cell === undefined) {
      cell = csvCell(JSON.parse(text));
      if (this.bases.size < MAX_REMEMBERED_BASES) this.bases.set(text, cell);
    }
    return cell;
  }
}
