import type { EntityManager } from 'typeorm';
import {
  subjectKeys,
  type ConsentStatement,
  type SubjectIdentifiers,
  type VersionedAgreement,
} from '@accord/governance';
import { RESTRICTIVE_CONSENT_KINDS } from '@accord/contracts';
import type { AgreementVersionEntity } from './agreement-version.entity';
import { readConsentHead } from './consent-head';

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
  const [row] = await manager.query(`SELECT count(*)::text AS versions, coalesce(max(applied_at)::text, '') AS latest FROM agreement_versions`);
  return `${row.versions}@${row.latest}`;
}

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
 * that subject's own identifier back, so the engine's matching (CONTRACT.md §4) applies
 * unchanged without the registry ever holding the number.
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
 * `consentStatementsForKeys`, and the consent head (consent-head.ts) read in the same
 * statement, so from the same snapshot: a statement is either among those returned or
 * committed after `consentSeq`, whose head it moved in its own transaction. One round
 * trip where reading the head first and the statements after took two, one after the
 * other, on every batch the broker handles.
 */
export async function consentForKeys(
  manager: EntityManager,
  subjects: readonly (SubjectIdentifiers | null | undefined)[],
  keys: readonly { nhsNumber?: string; niNumber?: string }[],
): Promise<{ statements: ConsentStatement[][]; consentSeq: number }> {
  const nhsKeys = [...new Set(keys.map((key) => key.nhsNumber).filter((key): key is string => key !== undefined))];
  const niKeys = [...new Set(keys.map((key) => key.niNumber).filter((key): key is string => key !== undefined))];
  if (nhsKeys.length === 0 && niKeys.length === 0) return { statements: subjects.map(() => []), consentSeq: await readConsentHead(manager) };
  // The statements about each person's own identifiers, and the withholding ones about an
  // identifier the hub has linked to theirs (an earlier event carried both; subject_key_links).
  // The head's row comes first, alone (no statement columns), whatever statements there are.
  const [found, links]: [Array<ConsentRow & { head_seq: string | null }>, Array<{ nhs_key: string; ni_key: string }>] = await Promise.all([
    manager.query(
      `WITH links AS (
         SELECT nhs_key, ni_key FROM subject_key_links WHERE nhs_key = ANY($1::text[]) OR ni_key = ANY($2::text[])
       )
       SELECT seq::text AS head_seq, NULL::uuid AS id, NULL::bigint AS recorded_seq, NULL AS nhs_key, NULL AS ni_key, NULL AS kind,
              NULL AS scope_purpose, NULL AS scope_recipient, NULL AS scope_agreement_id, NULL::timestamptz AS effective_from,
              NULL::timestamptz AS recorded_at
         FROM consent_head WHERE id = 1
       UNION ALL
       SELECT NULL, id, recorded_seq, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, effective_from, recorded_at
         FROM consent_statements
        WHERE nhs_key = ANY($1::text[]) OR ni_key = ANY($2::text[])
           OR (kind = ANY($3::text[]) AND (ni_key IN (SELECT ni_key FROM links) OR nhs_key IN (SELECT nhs_key FROM links)))`,
      [nhsKeys, niKeys, RESTRICTIVE_CONSENT_KINDS],
    ),
    manager.query('SELECT nhs_key, ni_key FROM subject_key_links WHERE nhs_key = ANY($1::text[]) OR ni_key = ANY($2::text[])', [nhsKeys, niKeys]),
  ]);
  const head = found.find((row) => row.head_seq !== null);
  if (!head) throw new Error('the consent head row is missing: run the hub migrations');
  const rows: ConsentRow[] = found.filter((row) => row.head_seq === null);
  const byNhsKey = group(rows, (row) => row.nhs_key);
  const byNiKey = group(rows, (row) => row.ni_key);
  const niLinkedTo = group(links, (link) => link.nhs_key);
  const nhsLinkedTo = group(links, (link) => link.ni_key);
  const withholding = (row: ConsentRow) => (RESTRICTIVE_CONSENT_KINDS as readonly string[]).includes(row.kind);
  const statements = subjects.map((subject, index) => {
    const key = keys[index];
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
  return { statements, consentSeq: Number(head.head_seq) };
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
