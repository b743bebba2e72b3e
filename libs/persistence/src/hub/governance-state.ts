import type { EntityManager } from 'typeorm';
import {
  subjectKeys,
  type ConsentStatement,
  type SubjectIdentifiers,
  type VersionedAgreement,
} from '@accord/governance';
import { RESTRICTIVE_CONSENT_KINDS } from '@accord/contracts';
import { preparedQuery } from '../database';
import type { AgreementVersionEntity } from './agreement-version.entity';
import { arrayLiteral } from './array-literal';

/*
 * The governance state the broker decides with and the hub simulates with, read from the
 * control-plane tables: the latest version of every agreement, and the consent statements
 * about the people of a batch (found by keyed hash, since raw identifiers are never stored).
 */

type AgreementRow = Pick<AgreementVersionEntity, 'agreementId' | 'version' | 'status' | 'document'>;

/** One stored version as the engine sees it; the row's status wins (suspend and resume add versions). */
export function agreementFromRow(row: AgreementRow): VersionedAgreement {
  return { ...(row.document as unknown as VersionedAgreement), id: row.agreementId, status: row.status, version: row.version };
}

/** The latest version of every agreement, drafts included (the engine skips them). */
export async function loadLatestAgreements(manager: EntityManager): Promise<VersionedAgreement[]> {
  const rows: Array<{ agreement_id: string; version: number; status: AgreementRow['status']; document: Record<string, unknown> }> =
    await manager.query(
      `SELECT DISTINCT ON (agreement_id) agreement_id, version, status, document
         FROM agreement_versions ORDER BY agreement_id, version DESC`,
    );
  return rows.map((row) =>
    agreementFromRow({ agreementId: row.agreement_id, version: row.version, status: row.status, document: row.document }),
  );
}

/**
 * Changes whenever a version is added: versions are append-only, so their count and the
 * newest `applied_at` identify the state. Cheap enough to ask before every batch.
 */
export async function agreementsStamp(manager: EntityManager): Promise<string> {
  const [row] = await manager.query(`SELECT (${AGREEMENTS_STAMP}) AS stamp`);
  return row.stamp;
}

/** The stamp as a scalar subquery, so the broker's per-batch read can carry it too. */
const AGREEMENTS_STAMP = `SELECT count(*)::text || '@' || coalesce(max(applied_at)::text, '') FROM agreement_versions`;

interface ConsentRow {
  id: string;
  recorded_seq: string;
  nhs_key: string | null;
  ni_key: string | null;
  kind: ConsentStatement['kind'];
  scope_purpose: string | null;
  scope_recipient: string | null;
  scope_agreement_id: string | null;
  effective_from: Date;
  recorded_at: Date;
}

/**
 * Every consent statement about each of `subjects`, in one query, aligned with `subjects`.
 * A stored statement holds keyed hashes; a statement that matches a subject's key is given
 * that subject's own identifier back, so the engine's matching (docs/contract.md,
 * "Consent") applies unchanged without the registry ever holding the number.
 */
export async function consentStatementsFor(
  manager: EntityManager,
  subjects: readonly (SubjectIdentifiers | null | undefined)[],
  secret: string,
): Promise<ConsentStatement[][]> {
  return consentStatementsForKeys(
    manager,
    subjects,
    subjects.map((subject) => subjectKeys(subject, secret)),
  );
}

/** As `consentStatementsFor`, with each subject's `subjectKeys` already worked out by the caller. */
export async function consentStatementsForKeys(
  manager: EntityManager,
  subjects: readonly (SubjectIdentifiers | null | undefined)[],
  keys: readonly { nhsNumber?: string; niNumber?: string }[],
): Promise<ConsentStatement[][]> {
  return (await consentForKeys(manager, subjects, keys)).statements;
}

/**
 * One statement for a batch's governance read: first the head row (the consent head's seq
 * and the agreements' stamp), then the links between the people's keyed hashes ($1: NHS
 * numbers, $2: NI numbers) and other identifiers (subject_key_links), then every statement
 * about those people and the statements of the kinds $3 about an identifier linked to one
 * of them. Each way a statement matches is its own branch, an index lookup by a list of
 * keys (the linked ones as an array, computed first), so the query costs the batch, not the
 * table, whatever the planner's statistics say: one filter OR-ing them (with the links as
 * subqueries) scanned every statement on every batch. Exported for the test that reads its
 * plan.
 */
export const CONSENT_FOR_KEYS = `WITH links AS (
  SELECT nhs_key, ni_key FROM subject_key_links WHERE nhs_key = ANY($1::text[]) OR ni_key = ANY($2::text[])
)
SELECT 'head' AS row_kind, seq::text AS head_seq, (${AGREEMENTS_STAMP}) AS agreements_stamp, NULL::uuid AS id, NULL::bigint AS recorded_seq,
       NULL AS nhs_key, NULL AS ni_key, NULL AS kind, NULL AS scope_purpose, NULL AS scope_recipient, NULL AS scope_agreement_id,
       NULL::timestamptz AS effective_from, NULL::timestamptz AS recorded_at
  FROM consent_head WHERE id = 1
UNION ALL
SELECT 'link', NULL, NULL, NULL, NULL, nhs_key, ni_key, NULL, NULL, NULL, NULL, NULL, NULL FROM links
UNION ALL
(${['nhs_key = ANY($1::text[])', 'ni_key = ANY($2::text[])', 'kind = ANY($3::text[]) AND ni_key = ANY(ARRAY(SELECT ni_key FROM links))', 'kind = ANY($3::text[]) AND nhs_key = ANY(ARRAY(SELECT nhs_key FROM links))']
  .map((matches) => `SELECT 'statement', NULL, NULL, id, recorded_seq, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, effective_from, recorded_at
   FROM consent_statements WHERE ${matches}`)
  .join('\nUNION\n')}
 ORDER BY recorded_seq)`;

/**
 * `consentStatementsForKeys`, the consent head (consent-head.ts) and the agreements' stamp,
 * in one statement, so from one snapshot: a statement is either among those returned or
 * committed after `consentSeq`, whose head it moved in its own transaction. One round trip
 * where the head, the statements, the links and the stamp took four on every batch the
 * broker handles.
 */
export async function consentForKeys(
  manager: EntityManager,
  subjects: readonly (SubjectIdentifiers | null | undefined)[],
  keys: readonly { nhsNumber?: string; niNumber?: string }[],
): Promise<{ statements: ConsentStatement[][]; consentSeq: number; agreementsStamp: string }> {
  const nhsKeySet = new Set<string>();
  const niKeySet = new Set<string>();
  for (const key of keys) {
    if (key.nhsNumber !== undefined) nhsKeySet.add(key.nhsNumber);
    if (key.niNumber !== undefined) niKeySet.add(key.niNumber);
  }
  const nhsKeys = [...nhsKeySet];
  const niKeys = [...niKeySet];
  // The statements about each person's own identifiers, and the withholding ones about an
  // identifier the hub has linked to theirs (an earlier event carried both; subject_key_links).
  const found = await preparedQuery<ConsentRow & { row_kind: 'head' | 'link' | 'statement'; head_seq: string | null; agreements_stamp: string | null }>(
    manager,
    'accord-consent-for-keys',
    CONSENT_FOR_KEYS,
    // The keys as array literals written here: pg's own builds several strings per key.
    [arrayLiteral(nhsKeys), arrayLiteral(niKeys), RESTRICTIVE_CONSENT_KINDS],
  );
  const head = found.find((row) => row.row_kind === 'head');
  if (!head) throw new Error('the consent head row is missing: run the hub migrations');
  const links = found.filter((row) => row.row_kind === 'link') as unknown as Array<{ nhs_key: string; ni_key: string }>;
  const rows: ConsentRow[] = found.filter((row) => row.row_kind === 'statement');
  const byNhsKey = group(rows, (row) => row.nhs_key);
  const byNiKey = group(rows, (row) => row.ni_key);
  const niLinkedTo = group(links, (link) => link.nhs_key);
  const nhsLinkedTo = group(links, (link) => link.ni_key);
  const withholding = (row: ConsentRow) => (RESTRICTIVE_CONSENT_KINDS as readonly string[]).includes(row.kind);
  const statements = subjects.map((subject, index) => {
    const key = keys[index];
    // Most people have no statement and no linked identifier: nothing to gather.
    if (
      (key.nhsNumber === undefined || (!byNhsKey.has(key.nhsNumber) && !niLinkedTo.has(key.nhsNumber))) &&
      (key.niNumber === undefined || (!byNiKey.has(key.niNumber) && !nhsLinkedTo.has(key.niNumber)))
    ) {
      return [];
    }
    const matched = new Map<string, ConsentRow>();
    for (const row of key.nhsNumber ? byNhsKey.get(key.nhsNumber) ?? [] : []) matched.set(row.id, row);
    for (const row of key.niNumber ? byNiKey.get(key.niNumber) ?? [] : []) matched.set(row.id, row);
    // Linked identifiers count only for the statements that withhold: a wrong link can only ever withhold more.
    const linked = new Map<string, ConsentRow>();
    for (const link of key.nhsNumber ? niLinkedTo.get(key.nhsNumber) ?? [] : []) {
      for (const row of byNiKey.get(link.ni_key) ?? []) if (withholding(row) && !matched.has(row.id)) linked.set(row.id, row);
    }
    for (const link of key.niNumber ? nhsLinkedTo.get(key.niNumber) ?? [] : []) {
      for (const row of byNhsKey.get(link.nhs_key) ?? []) if (withholding(row) && !matched.has(row.id)) linked.set(row.id, row);
    }
    return [...matched.values(), ...linked.values()].map((row) => ({
      id: row.id,
      // A linked statement names the person by the identifier it was linked through, so the engine matches it as the person's own.
      subject: linked.has(row.id)
        ? { nhsNumber: key.nhsNumber !== undefined ? subject?.nhsNumber : undefined, niNumber: key.nhsNumber === undefined ? subject?.niNumber : undefined }
        : {
            nhsNumber: key.nhsNumber !== undefined && row.nhs_key === key.nhsNumber ? subject?.nhsNumber : undefined,
            niNumber: key.niNumber !== undefined && row.ni_key === key.niNumber ? subject?.niNumber : undefined,
          },
      kind: row.kind,
      scope: { purpose: row.scope_purpose, recipient: row.scope_recipient, agreementId: row.scope_agreement_id },
      effectiveFrom: row.effective_from,
      recordedAt: row.recorded_at,
      recordedSeq: Number(row.recorded_seq),
    }));
  });
  return { statements, consentSeq: Number(head.head_seq), agreementsStamp: head.agreements_stamp! };
}

function group<T>(rows: readonly T[], keyOf: (row: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === null) continue;
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}
