import { hash } from 'node:crypto';

/**
 * Decision ids are name-based UUIDs (RFC 9562 version 5) in a fixed Accord namespace, so
 * re-evaluating the same event after a crash or a redrive yields the same id, and anyone
 * with a standard UUID library can recompute one: `uuidv5(JSON.stringify([...]), namespace)`.
 */
export const DECISION_ID_NAMESPACE = '1c7a4f0e-5b2d-4e8a-9d3c-6f1e2a7b8c90';

const namespaceBytes = Buffer.from(DECISION_ID_NAMESPACE.replace(/-/g, ''), 'hex');

export function uuidV5(name: string, namespace: Uint8Array = namespaceBytes): string {
  const digest = hash('sha1', Buffer.concat([namespace, Buffer.from(name, 'utf8')]), 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface DecisionIdInput {
  readonly eventId: string;
  readonly recipient: string;
  readonly agreementId: string;
  readonly agreementVersion: number;
}

/** The id of the decision on one (event, recipient, agreement version) candidate. */
export function decisionId(input: DecisionIdInput): string {
  // A JSON array as the name keeps the parts unambiguous whatever characters they hold.
  return uuidV5(JSON.stringify(['decision', input.eventId, input.recipient, input.agreementId, input.agreementVersion]));
}

/**
 * The id of the decision that rejects an event: from its event id when it has a valid
 * one, otherwise from the SHA-256 of the raw record (so a redelivered record maps to the
 * same rejection). The `rejected` / `rejected-raw` prefixes keep the two spaces apart.
 */
export function rejectionDecisionId(input: { readonly eventId: string } | { readonly rawRecord: string | Uint8Array }): string {
  if ('eventId' in input) return uuidV5(JSON.stringify(['rejected', input.eventId]));
  const digest = hash('sha256', input.rawRecord, 'hex');
  return uuidV5(JSON.stringify(['rejected-raw', digest]));
}
