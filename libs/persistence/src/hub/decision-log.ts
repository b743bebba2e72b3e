import type { EntityManager } from 'typeorm';
import { chain, type ChainedDecision, type UnchainedDecision } from '@accord/audit-chain';

/**
 * The audit log's writer. One chain for the whole hub: a writer locks the chain head row,
 * takes the next sequence numbers, links and hashes its rows, inserts them and moves the
 * head — all in the caller's transaction. Concurrent broker instances therefore take turns
 * per batch (the lock is held for one multi-row insert), and the chain has no gaps or forks.
 */
export async function appendDecisions(manager: EntityManager, decisions: UnchainedDecision[]): Promise<ChainedDecision[]> {
  if (decisions.length === 0) return [];
  const [head] = await manager.query('SELECT seq, hash FROM audit_chain_head WHERE id = 1 FOR UPDATE');
  const chained = chain(decisions, { seq: Number(head.seq), hash: head.hash });
  const columns = {
    seq: chained.map((row) => row.seq),
    decisionId: chained.map((row) => row.decisionId),
    eventId: chained.map((row) => row.eventId),
    eventType: chained.map((row) => row.eventType),
    source: chained.map((row) => row.source),
    recipient: chained.map((row) => row.recipient),
    agreementId: chained.map((row) => row.agreementId),
    agreementVersion: chained.map((row) => row.agreementVersion),
    purpose: chained.map((row) => row.purpose),
    lawfulBasis: chained.map((row) => (row.lawfulBasis === null ? null : JSON.stringify(row.lawfulBasis))),
    outcome: chained.map((row) => row.outcome),
    // Arrays of arrays cannot go through unnest; they travel as JSON and are unpacked in SQL.
    reasons: chained.map((row) => JSON.stringify(row.reasons)),
    fieldsReleased: chained.map((row) => JSON.stringify(row.fieldsReleased)),
    fieldsWithheld: chained.map((row) => JSON.stringify(row.fieldsWithheld)),
    consentRefs: chained.map((row) => JSON.stringify(row.consentRefs)),
    subjectKey: chained.map((row) => row.subjectKey),
    payloadDigest: chained.map((row) => row.payloadDigest),
    topic: chained.map((row) => row.topic),
    partition: chained.map((row) => row.partition),
    offset: chained.map((row) => row.offset),
    decidedAt: chained.map((row) => row.decidedAt),
    prevHash: chained.map((row) => row.prevHash),
    hash: chained.map((row) => row.hash),
  };
  await manager.query(
    `INSERT INTO decisions (seq, decision_id, event_id, event_type, source, recipient, agreement_id, agreement_version,
       purpose, lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key,
       payload_digest, topic, kafka_partition, kafka_offset, decided_at, prev_hash, hash)
     SELECT seq, decision_id, event_id, event_type, source, recipient, agreement_id, agreement_version,
       purpose, lawful_basis::jsonb, outcome,
       ARRAY(SELECT jsonb_array_elements_text(reasons::jsonb)),
       ARRAY(SELECT jsonb_array_elements_text(fields_released::jsonb)),
       ARRAY(SELECT jsonb_array_elements_text(fields_withheld::jsonb)),
       ARRAY(SELECT jsonb_array_elements_text(consent_refs::jsonb)),
       subject_key, payload_digest, topic, kafka_partition, kafka_offset, decided_at::timestamptz, prev_hash, hash
     FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
       $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
       $17::text[], $18::text[], $19::int[], $20::text[], $21::text[], $22::text[], $23::text[])
       AS input(seq, decision_id, event_id, event_type, source, recipient, agreement_id, agreement_version,
         purpose, lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key,
         payload_digest, topic, kafka_partition, kafka_offset, decided_at, prev_hash, hash)`,
    Object.values(columns),
  );
  const last = chained[chained.length - 1];
  await manager.query('UPDATE audit_chain_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
  return chained;
}

/** Reads decision rows back in the chain's canonical shape (for verification and the auditor API). */
export function decisionFromRow(row: Record<string, any>): ChainedDecision {
  return {
    seq: Number(row.seq),
    decisionId: row.decision_id,
    eventId: row.event_id,
    eventType: row.event_type,
    source: row.source,
    recipient: row.recipient,
    agreementId: row.agreement_id,
    agreementVersion: row.agreement_version,
    purpose: row.purpose,
    lawfulBasis: row.lawful_basis,
    outcome: row.outcome,
    reasons: row.reasons,
    fieldsReleased: row.fields_released,
    fieldsWithheld: row.fields_withheld,
    consentRefs: row.consent_refs,
    subjectKey: row.subject_key,
    payloadDigest: row.payload_digest,
    topic: row.topic,
    partition: row.kafka_partition,
    offset: row.kafka_offset,
    decidedAt: new Date(row.decided_at).toISOString(),
    prevHash: row.prev_hash,
    hash: row.hash,
  } as ChainedDecision;
}
