import { hash } from 'node:crypto';
import { CanonicalJsonError, CanonicalJsonWriter, canonicalJson as contractsCanonicalJson } from '@accord/contracts';
import { HASHED_FIELDS, type DecisionRecord } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';

/** `prevHash` of seq 1: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The canonical JSON of `@accord/contracts` (RFC 8785; `undefined` as `null`, a Date as its
 * ISO string), refusing what has none (NaN, Infinity, bigint, functions, Maps, class
 * instances) with the audit chain's own error.
 */
export function canonicalJson(value: unknown): string {
  try {
    return contractsCanonicalJson(value);
  } catch (error) {
    throw error instanceof CanonicalJsonError ? new AuditChainError(AuditChainErrorCode.NotCanonicalisable, error.message) : error;
  }
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

const hasher = new CanonicalJsonWriter();

/**
 * Lowercase hex SHA-256 of `prevHash + '\n' + canonicalContent(record)` (UTF-8), hashed as
 * it is written rather than written out first (canonical.spec.ts checks the two agree).
 */
export function hashRecord(record: Omit<DecisionRecord, 'hash'> | DecisionRecord): string {
  const fields = record as unknown as Record<string, unknown>;
  hasher.start().text(String(record.prevHash)).text('\n');
  try {
    for (let i = 0; i < HASHED_FIELDS.length; i++) hasher.text(FIELD_PREFIXES[i]!).json(fields[HASHED_FIELDS[i]!]);
  } catch (error) {
    throw error instanceof CanonicalJsonError ? new AuditChainError(AuditChainErrorCode.NotCanonicalisable, error.message) : error;
  }
  return hasher.text('}').digest('sha256');
}

/** `hashRecord` of a row whose canonical content is already written out. */
export function hashContent(prevHash: string, content: string): string {
  // The one-shot hash: a quarter of the cost of createHash().update().digest() per row.
  return hash('sha256', prevHash + '\n' + content, 'hex');
}
