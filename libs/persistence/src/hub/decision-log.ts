import type { EntityManager } from 'typeorm';
import { chain, type ChainedDecision, type ChainHead, type UnchainedDecision } from '@accord/audit-chain';

/**
 * A decision to append. `subjectKeys` is optional and not part of the row: when a record
 * carried both an NHS and an NI number, pass `subjectKeys(subject, secret)` (from
 * `@accord/governance`) and the pair of keyed hashes is remembered, so that an auditor
 * searching by either identifier also finds the rows keyed by the other (`subjectKey`
 * holds only the NHS number's key when both are present).
 */
export type DecisionToAppend = UnchainedDecision & {
  subjectKeys?: { nhsNumber?: string; niNumber?: string };
};

/**
 * Takes the chain head's row lock in the caller's transaction (writers take turns here;
 * the lock is held until that transaction ends) and reads the head. A writer that must read the log before appending — the broker,
 * checking what is already recorded — locks first and passes the head to appendDecisions.
 */
export async function lockChainHead(manager: EntityManager): Promise<ChainHead> {
  const [head] = await manager.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE');
  if (!head) throw new Error('the audit chain head row is missing: run the hub migrations');
  return { seq: Number(head.seq), hash: head.hash };
}

/**
 * The audit log's writer (write-ahead: call it in the transaction that must be durable
 * before anything is released, then commit, then produce).
 *
 * One global chain for the whole hub, serialised by a row lock: the writer locks the
 * single `audit_chain_head` row (SELECT … FOR UPDATE), takes the next sequence numbers,
 * links and hashes its rows onto the head, inserts them in one multi-row statement and
 * moves the head — all in the caller's transaction. Concurrent broker instances therefore
 * take turns per batch: the second blocks on the head row until the first commits (or
 * rolls back, in which case nothing it chained exists and the second chains onto the
 * unchanged head). So the chain can have no gap, fork or duplicate seq, whatever the
 * number of writers. The price is that appends are serial across the hub, and that the
 * lock is held until the caller commits: keep the work after this call short (commit,
 * then produce to Kafka — not the other way round). If one chain ever becomes the
 * bottleneck, the design moves to one chain per partition segment (ARCHITECTURE.md,
 * Scale-out), each with its own head row.
 */
export async function appendDecisions(
  manager: EntityManager,
  decisions: DecisionToAppend[],
  lockedHead?: ChainHead,
): Promise<ChainedDecision[]> {
  if (decisions.length === 0) return [];
  const head = lockedHead ?? (await lockChainHead(manager));
  const chained = chain(decisions, head);
  // One statement, one round trip, under the head lock the caller's transaction holds:
  // insert the rows, move the head, remember NHS/NI key pairs. The rows travel as one JSON
  // document (JSON.stringify is native; pg's escaping of 23 parameter arrays cost twice as
  // much per row) and Postgres unpacks them by name.
  const last = chained[chained.length - 1];
  const links = subjectKeyLinks(decisions, chained);
  await manager.query(
    `WITH appended AS (
       INSERT INTO decisions (seq, decision_id, event_id, event_type, source, recipient, agreement_id, agreement_version,
         purpose, lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key,
         payload_digest, topic, kafka_partition, kafka_offset, decided_at, prev_hash, hash)
       SELECT seq, "decisionId", "eventId", "eventType", source, recipient, "agreementId", "agreementVersion",
         purpose, "lawfulBasis", outcome, reasons, "fieldsReleased", "fieldsWithheld", "consentRefs", "subjectKey",
         "payloadDigest", topic, partition, "offset", "decidedAt", "prevHash", hash
       FROM json_to_recordset($1::json) AS input(seq bigint, "decisionId" uuid, "eventId" text, "eventType" text,
         source text, recipient text, "agreementId" text, "agreementVersion" int, purpose text, "lawfulBasis" jsonb,
         outcome text, reasons text[], "fieldsReleased" text[], "fieldsWithheld" text[], "consentRefs" text[],
         "subjectKey" text, "payloadDigest" text, topic text, partition int, "offset" text, "decidedAt" timestamptz,
         "prevHash" text, hash text)
     ), head AS (
       UPDATE audit_chain_head SET seq = $2, hash = $3 WHERE id = 1
     )
     -- Written under the head lock, so two writers never wait on each other's uncommitted link (no deadlock).
     INSERT INTO subject_key_links (nhs_key, ni_key, first_seen_seq)
     SELECT * FROM unnest($4::text[], $5::text[], $6::bigint[])
     ON CONFLICT (nhs_key, ni_key) DO NOTHING`,
    [
      JSON.stringify(chained),
      last.seq,
      last.hash,
      links.map((link) => link.nhsKey),
      links.map((link) => link.niKey),
      links.map((link) => link.seq),
    ],
  );
  return chained;
}

/** The distinct NHS/NI key pairs of the batch, each with the first seq that carried it. */
function subjectKeyLinks(
  decisions: readonly DecisionToAppend[],
  chained: readonly ChainedDecision[],
): Array<{ nhsKey: string; niKey: string; seq: number }> {
  const links = new Map<string, { nhsKey: string; niKey: string; seq: number }>();
  decisions.forEach((decision, index) => {
    const nhsKey = decision.subjectKeys?.nhsNumber;
    const niKey = decision.subjectKeys?.niNumber;
    if (typeof nhsKey !== 'string' || typeof niKey !== 'string') return;
    const id = `${nhsKey}/${niKey}`;
    if (!links.has(id)) links.set(id, { nhsKey, niKey, seq: chained[index].seq });
  });
  return [...links.values()];
}

/**
 * A decision row read back as one JSON array (the audit store's `json_build_array` of
 * seq, decision_id, event_id, event_type, source, recipient, agreement_id,
 * agreement_version, purpose, lawful_basis, outcome, reasons, fields_released,
 * fields_withheld, consent_refs, subject_key, payload_digest, topic, kafka_partition,
 * kafka_offset, decided_at as text, prev_hash, hash) in the chain's canonical shape, for
 * verification and the auditor API.
 */
export function decisionFromValues(values: readonly unknown[]): ChainedDecision {
  const v = values as any[];
  return {
    seq: Number(v[0]),
    decisionId: v[1],
    eventId: v[2],
    eventType: v[3],
    source: v[4],
    recipient: v[5],
    agreementId: v[6],
    agreementVersion: v[7],
    purpose: v[8],
    lawfulBasis: v[9],
    outcome: v[10],
    reasons: v[11],
    fieldsReleased: v[12],
    fieldsWithheld: v[13],
    consentRefs: v[14],
    subjectKey: v[15],
    payloadDigest: v[16],
    topic: v[17],
    partition: v[18],
    offset: v[19],
    decidedAt: decidedAtOf(v[20]),
    prevHash: v[21],
    hash: v[22],
  } as ChainedDecision;
}

const MICROSECOND_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})(\d{3})Z$/;

/**
 * A Date (as pg returns timestamptz) becomes its ISO string. Text with microseconds (as
 * the audit reads select it) loses them only when they are zero: rows are written with
 * millisecond precision, so anything finer is an edit, and is kept to fail the hash.
 */
function decidedAtOf(value: unknown): string {
  if (typeof value === 'string') {
    const micro = MICROSECOND_TIMESTAMP.exec(value);
    if (micro) return micro[2] === '000' ? `${micro[1]}Z` : value;
  }
  return new Date(value as string | Date).toISOString();
}
