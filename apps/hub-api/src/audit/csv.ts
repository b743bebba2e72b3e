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
  let text = Array.isArray(value) ? value.join(';') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const first = text.charCodeAt(0);
  // = + - @ tab CR
  if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) text = `'${text}`;
  if (NEEDS_QUOTES.test(text)) text = `"${text.replace(QUOTE, '""')}"`;
  return text;
}

/** One decision as a CSV line (CRLF), straight from the stored record. */
export function csvLine(decision: ChainedDecision): string {
  let line = csvCell(decision[CSV_COLUMNS[0]]);
  for (let i = 1; i < CSV_COLUMNS.length; i++) line += ',' + csvCell(decision[CSV_COLUMNS[i]]);
  return line + '\r\n';
}
