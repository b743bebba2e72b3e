import { sign, verify } from 'node:crypto';
import { AuditChainError, AuditChainErrorCode } from './errors';
import { asPrivateKey, asPublicKey, keyIdOf, type KeyInput } from './keys';

/** A signed seal of the chain head: the row at `seq` has exactly `hash`. */
export interface Checkpoint {
  seq: number;
  /** The `hash` of the row at `seq`. */
  hash: string;
  /** ISO 8601 with milliseconds, UTC. */
  signedAt: string;
  /** Base64 (standard alphabet, padded) Ed25519 signature over `checkpointSigningInput`. */
  signature: string;
  /** Which key signed: by default `keyIdOf(publicKey)`. */
  keyId: string;
}

export interface CheckpointSeal {
  seq: number;
  hash: string;
  signedAt: string | Date;
}

const HASH = /^[0-9a-f]{64}$/;
const SIGNED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEY_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The exact bytes signed (UTF-8; all ASCII): five lines, each ending in `\n`:
 *
 *     accord-audit-checkpoint/v1
 *     seq=<decimal seq>
 *     hash=<64 lowercase hex>
 *     signedAt=<ISO timestamp, e.g. 2026-04-01T09:30:00.000Z>
 *     keyId=<keyId>
 *
 * An auditor can check a checkpoint without Accord:
 *
 *     printf 'accord-audit-checkpoint/v1\nseq=%s\nhash=%s\nsignedAt=%s\nkeyId=%s\n' \
 *       "$SEQ" "$HASH" "$SIGNED_AT" "$KEY_ID" > checkpoint.txt
 *     printf '%s' "$SIGNATURE" | base64 -d > checkpoint.sig
 *     openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin \
 *       -in checkpoint.txt -sigfile checkpoint.sig
 */
export function checkpointSigningInput(checkpoint: Omit<Checkpoint, 'signature'>): string {
  return (
    'accord-audit-checkpoint/v1\n' +
    `seq=${checkpoint.seq}\n` +
    `hash=${checkpoint.hash}\n` +
    `signedAt=${checkpoint.signedAt}\n` +
    `keyId=${checkpoint.keyId}\n`
  );
}

/**
 * Seals the chain at `seq`/`hash` with an Ed25519 signature. `keyId` defaults to
 * `keyIdOf(privateKey)`; a malformed seal throws `AuditCheckpointInvalid`.
 */
export function signCheckpoint(seal: CheckpointSeal, privateKey: KeyInput, keyId?: string): Checkpoint {
  const key = asPrivateKey(privateKey);
  const signedAt = seal.signedAt instanceof Date ? isoOrInvalid(seal.signedAt) : seal.signedAt;
  const unsigned = { seq: seal.seq, hash: seal.hash, signedAt, keyId: keyId ?? keyIdOf(key) };
  const problem = shapeProblem(unsigned);
  if (problem) throw new AuditChainError(AuditChainErrorCode.CheckpointInvalid, `cannot sign checkpoint: ${problem}`);
  const signature = sign(null, Buffer.from(checkpointSigningInput(unsigned), 'utf8'), key).toString('base64');
  return { ...unsigned, signature };
}

/**
 * True only when the checkpoint is well-formed and its signature verifies with
 * `publicKey` (a public or private key, KeyObject or PEM). Never throws on bad data.
 */
export function verifyCheckpoint(checkpoint: Checkpoint, publicKey: KeyInput): boolean {
  try {
    if (shapeProblem(checkpoint) !== undefined || typeof checkpoint.signature !== 'string') return false;
    const signature = Buffer.from(checkpoint.signature, 'base64');
    // Base64 decoding is lenient; only the one canonical spelling of the signature counts.
    if (signature.length !== 64 || signature.toString('base64') !== checkpoint.signature) return false;
    return verify(null, Buffer.from(checkpointSigningInput(checkpoint), 'utf8'), asPublicKey(publicKey), signature);
  } catch {
    return false;
  }
}

function shapeProblem(checkpoint: Omit<Checkpoint, 'signature'>): string | undefined {
  if (!Number.isSafeInteger(checkpoint.seq) || checkpoint.seq < 1) return 'seq must be a positive integer';
  if (typeof checkpoint.hash !== 'string' || !HASH.test(checkpoint.hash)) return 'hash must be 64 lowercase hex digits';
  if (typeof checkpoint.signedAt !== 'string' || !SIGNED_AT.test(checkpoint.signedAt)) {
    return 'signedAt must be an ISO timestamp with milliseconds in UTC';
  }
  if (typeof checkpoint.keyId !== 'string' || !KEY_ID.test(checkpoint.keyId)) {
    return 'keyId must be 1-128 printable ASCII characters without spaces';
  }
  return undefined;
}

function isoOrInvalid(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'invalid date' : date.toISOString();
}
