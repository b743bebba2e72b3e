import { hash } from 'node:crypto';

/**
 * Decision ids are name-based UUIDs (RFC 9562 version 5) in a fixed Accord namespace, so
 * re-evaluating the same event after a crash or a redrive yields the same id, and anyone
 * with a standard UUID library can recompute one: `uuidv5(JSON.stringify([...]), namespace)`.
 */
export const DECISION_ID_NAMESPACE = '1c7a4f0e-5b2d-4e8a-9d3c-6f1e2a7b8c90';

const namespaceBytes = Buffer.from(DECISION_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** What one id hashes (namespace, then name), written into one reused buffer: names are ids, far under its size. */
const hashInput = Buffer.allocUnsafe(4096);
/** The id's characters, written into one reused buffer and read out as one string. */
const idText = Buffer.allocUnsafe(36);
/** The hex digit of byte 8's high nibble once the variant (10xx) is set, by the two bits it keeps. */
const VARIANT_DIGITS = '89ab';

export function uuidV5(name: string, namespace: Uint8Array = namespaceBytes): string {
  let hex: string;
  if (namespace.length + name.length * 3 <= hashInput.length) {
    hashInput.set(namespace, 0);
    const length = namespace.length + hashInput.write(name, namespace.length, 'utf8');
    hex = hash('sha1', hashInput.subarray(0, length), 'hex');
  } else {
    hex = hash('sha1', Buffer.concat([namespace, Buffer.from(name, 'utf8')]), 'hex');
  }
  // The first 16 bytes as 8-4-4-4-12 hex digits, with version 5 as byte 6's high nibble
  // (hex digit 12) and the RFC 9562 variant in byte 8's two high bits (hex digit 16).
  let at = 0;
  for (let digit = 0; digit < 32; digit++) {
    if (digit === 8 || digit === 12 || digit === 16 || digit === 20) idText[at++] = 0x2d;
    if (digit === 12) idText[at++] = 0x35;
    else if (digit === 16) idText[at++] = VARIANT_DIGITS.charCodeAt(parseInt(hex[16]!, 16) & 3);
    else idText[at++] = hex.charCodeAt(digit);
  }
  return idText.toString('latin1', 0, 36);
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
