import { hash } from 'node:crypto';
import { HASHED_FIELDS, type DecisionRecord } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and surrogates (lone ones are escaped). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `prevHash` of seq 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Canonical JSON of a value: object keys sorted by UTF-16 code unit at every level,
 * arrays in their given order, `undefined` (and array holes) as `null`, a Date as its
 * ISO string, strings and finite numbers exactly as `JSON.stringify` writes them, no
 * whitespace. Anything else (NaN, Infinity, bigint, functions, Maps, class instances)
 * throws rather than silently colliding with another value.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      // Most values (ids, codes, hashes, timestamps) need no escaping: quoting them is
      // what JSON.stringify would write, at a fraction of its cost per call.
      return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : '"' + value + '"';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw notCanonicalisable(`the number ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      return canonicalObject(value);
    default:
      throw notCanonicalisable(`a ${typeof value}`);
  }
}

function canonicalObject(value: object): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  // Tag and prototype-depth checks, not instanceof, so values from another realm (vm, worker) still count.
  if (Object.prototype.toString.call(value) === '[object Date]') {
    const date = value as Date;
    if (Number.isNaN(date.getTime())) throw notCanonicalisable('an invalid Date');
    return JSON.stringify(date.toISOString());
  }
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) throw notCanonicalisable('a non-plain object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Usually built in sorted order already (sorting allocates even then).
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(record[key]);
  }
  return out + '}';
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

function notCanonicalisable(what: string): AuditChainError {
  return new AuditChainError(AuditChainErrorCode.NotCanonicalisable, `cannot canonicalise ${what}`);
}

const FIELD_PREFIXES = HASHED_FIELDS.map((field, i) => (i === 0 ? '{' : ',') + JSON.stringify(field) + ':');

/**
 * The canonical content of a decision row: canonical JSON (see `canonicalJson`) of an
 * object holding exactly the DecisionRecord fields except `hash` — so `seq` and
 * `prevHash` are included. A missing field counts as null; properties that are not
 * DecisionRecord fields (a DB surrogate key, say) are ignored.
 *
 * The audit table must store, and the reader must hand back, exactly these values, or
 * verification reports a hash mismatch:
 * - `decidedAt`: `2026-04-01T09:30:00.000Z` — timestamptz keeps it (µs precision ⊇ ms);
 *   read it back as a Date (hashed as `toISOString()`) or as that exact string.
 * - `seq`, `partition`, `agreementVersion`: JS numbers. pg returns bigint/int8 columns
 *   as strings; map them back to numbers (the verifier rejects a non-integer seq).
 * - `offset`: a string (text or numeric column read as string), never a number.
 * - `lawfulBasis`: jsonb is fine — key order is irrelevant, values are not.
 * - strings must not contain U+0000 or lone surrogates (Postgres text cannot hold them).
 */
export function canonicalContent(record: Omit<DecisionRecord, 'hash'> | DecisionRecord): string {
  const fields = record as unknown as Record<string, unknown>;
  let out = '';
  for (let i = 0; i < HASHED_FIELDS.length; i++) out += FIELD_PREFIXES[i] + canonicalJson(fields[HASHED_FIELDS[i]!]);
  return out + '}';
}

/** Lowercase hex SHA-256 of `prevHash + '\n' + canonicalContent(record)` (UTF-8). */
export function hashRecord(record: Omit<DecisionRecord, 'hash'> | DecisionRecord): string {
  return hashContent(String(record.prevHash), canonicalContent(record));
}

/** `hashRecord` of a row whose canonical content is already written out. */
export function hashContent(prevHash: string, content: string): string {
  // The one-shot hash: a quarter of the cost of createHash().update().digest() per row.
  return hash('sha256', prevHash + '\n' + content, 'hex');
}
