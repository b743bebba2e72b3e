import { sign, verify } from 'node:crypto';
import type { ChainHead } from './decision-record';
import { AuditChainError, AuditChainErrorCode } from './errors';
import { asPrivateKey, asPublicKey, keyIdOf, type KeyInput } from './keys';
import { partitionHeadsProblem } from './partition-chain';

/**
 * The head of one partition chain as a v2 checkpoint seals it: the row at `seq`, the
 * last of the chain `(topic, partition)` when the checkpoint was signed, has exactly `hash`.
 */
export interface SealedHead {
  seq: number;
  /** The `hash` of the row at `seq`. */
  hash: string;
  /** A Kafka topic name: `^[A-Za-z0-9._-]{1,249}$`. */
  topic: string;
  /** A non-negative integer. */
  partition: number;
}

/**
 * A signed seal over the audit log. A v1 checkpoint (no `root`, no `heads`) seals one row
 * of the single chain: the row at `seq` has exactly `hash`. A v2 checkpoint (`root` and
 * `heads`) seals every partition chain's head at once, and `seq`/`hash` repeat its
 * highest head, so code that orders or pages checkpoints by `seq` treats both alike.
 */
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
  /**
   * v2: the last row of the single-chain prefix, `{ seq: B, hash }`, which the first row of
   * every partition chain links to; `{ seq: 0, hash: GENESIS_HASH }` on a hub that never
   * had a single chain.
   */
  root?: ChainHead;
  /** v2: every partition chain's head when the checkpoint was signed (at least one), sorted by seq ascending. */
  heads?: SealedHead[];
}

/** What a v1 checkpoint seals: one row of the single chain. */
export interface SingleChainSeal {
  seq: number;
  hash: string;
  signedAt: string | Date;
}

/**
 * What a v2 checkpoint seals: the root the partition chains hang from and each chain's
 * head, read in one snapshot. The heads may come in any order; the checkpoint holds them
 * sorted by seq.
 */
export interface MultiChainSeal {
  root: ChainHead;
  heads: readonly SealedHead[];
  signedAt: string | Date;
}

export type CheckpointSeal = SingleChainSeal | MultiChainSeal;

const HASH = /^[0-9a-f]{64}$/;
const SIGNED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEY_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The exact bytes signed (UTF-8; all ASCII), every line ending in `\n`.
 *
 * v1, five lines:
 *
 *     accord-audit-checkpoint/v1
 *     seq=<decimal seq>
 *     hash=<64 lowercase hex>
 *     signedAt=<ISO timestamp, e.g. 2026-04-01T09:30:00.000Z>
 *     keyId=<keyId>
 *
 * v2, four lines and then one line per head, in ascending seq:
 *
 *     accord-audit-checkpoint/v2
 *     signedAt=<ISO timestamp>
 *     keyId=<keyId>
 *     root=<root seq> <root hash>
 *     head=<seq> <hash> <partition> <topic>
 *
 * An auditor can check a checkpoint without Accord. v1:
 *
 *     printf 'accord-audit-checkpoint/v1\nseq=%s\nhash=%s\nsignedAt=%s\nkeyId=%s\n' \
 *       "$SEQ" "$HASH" "$SIGNED_AT" "$KEY_ID" > checkpoint.txt
 *     printf '%s' "$SIGNATURE" | base64 -d > checkpoint.sig
 *     openssl pkeyutl -verify -pubin -inkey audit-public.pem -rawin \
 *       -in checkpoint.txt -sigfile checkpoint.sig
 *
 * v2, with `heads.txt` holding one `<seq> <hash> <partition> <topic>` line per head in
 * ascending seq (e.g. `jq -r '.heads[] | "\(.seq) \(.hash) \(.partition) \(.topic)"'`):
 *
 *     {
 *       printf 'accord-audit-checkpoint/v2\nsignedAt=%s\nkeyId=%s\nroot=%s %s\n' \
 *         "$SIGNED_AT" "$KEY_ID" "$ROOT_SEQ" "$ROOT_HASH"
 *       while read -r seq hash partition topic; do
 *         printf 'head=%s %s %s %s\n' "$seq" "$hash" "$partition" "$topic"
 *       done < heads.txt
 *     } > checkpoint.txt
 *
 * then verify `checkpoint.txt` with the signature as for v1.
 */
export function checkpointSigningInput(checkpoint: Omit<Checkpoint, 'signature'>): string {
  if (isMultiChainCheckpoint(checkpoint)) {
    // Written out whatever the fields hold: a malformed checkpoint is refused by its shape, not here.
    const root = checkpoint.root;
    const heads: readonly SealedHead[] = Array.isArray(checkpoint.heads) ? checkpoint.heads : [];
    let input =
      'accord-audit-checkpoint/v2\n' +
      `signedAt=${checkpoint.signedAt}\n` +
      `keyId=${checkpoint.keyId}\n` +
      `root=${root?.seq} ${root?.hash}\n`;
    for (const head of heads) input += `head=${head?.seq} ${head?.hash} ${head?.partition} ${head?.topic}\n`;
    return input;
  }
  return (
    'accord-audit-checkpoint/v1\n' +
    `seq=${checkpoint.seq}\n` +
    `hash=${checkpoint.hash}\n` +
    `signedAt=${checkpoint.signedAt}\n` +
    `keyId=${checkpoint.keyId}\n`
  );
}

/**
 * Signs a checkpoint with Ed25519: a v1 checkpoint from `{ seq, hash, signedAt }`, a v2
 * one from `{ root, heads, signedAt }` (the heads sorted by seq, and `seq`/`hash` taken
 * from the highest). `keyId` defaults to `keyIdOf(privateKey)`; a malformed seal throws
 * `AuditCheckpointInvalid` naming the field, never its value.
 */
export function signCheckpoint(seal: CheckpointSeal, privateKey: KeyInput, keyId?: string): Checkpoint {
  const key = asPrivateKey(privateKey);
  const signedAt = seal.signedAt instanceof Date ? isoOrInvalid(seal.signedAt) : seal.signedAt;
  const signer = keyId ?? keyIdOf(key);
  const unsigned = isMultiChainSeal(seal) ? multiChainCheckpoint(seal, signedAt, signer) : singleChainCheckpoint(seal, signedAt, signer);
  const problem = shapeProblem(unsigned);
  if (problem) throw checkpointInvalid(problem);
  const signature = sign(null, Buffer.from(checkpointSigningInput(unsigned), 'utf8'), key).toString('base64');
  return { ...unsigned, signature };
}

/**
 * True only when the checkpoint is well-formed and its signature verifies with
 * `publicKey` (a public or private key, KeyObject or PEM). A v2 checkpoint is well-formed
 * when its heads are sorted by seq and its `seq`/`hash` are its highest head's. Never
 * throws on bad data.
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

/** True for a v2 checkpoint (or one that claims to be: it has `root` or `heads`). Internal. */
export function isMultiChainCheckpoint(checkpoint: unknown): boolean {
  if (typeof checkpoint !== 'object' || checkpoint === null) return false;
  const fields = checkpoint as { root?: unknown; heads?: unknown };
  return fields.root !== undefined || fields.heads !== undefined;
}

function isMultiChainSeal(seal: CheckpointSeal): seal is MultiChainSeal {
  return isMultiChainCheckpoint(seal);
}

function singleChainCheckpoint(seal: SingleChainSeal, signedAt: string, keyId: string): Omit<Checkpoint, 'signature'> {
  return { seq: seal.seq, hash: seal.hash, signedAt, keyId };
}

function multiChainCheckpoint(seal: MultiChainSeal, signedAt: string, keyId: string): Omit<Checkpoint, 'signature'> {
  // Checked in the order given, so that a problem names the caller's index; then sorted.
  const problem = partitionHeadsProblem(seal.root, seal.heads, { sorted: false, allowEmpty: false });
  if (problem) throw checkpointInvalid(problem);
  // Copies holding exactly the sealed fields: nothing unsigned travels with a checkpoint.
  const heads = seal.heads
    .map((head) => ({ seq: head.seq, hash: head.hash, topic: head.topic, partition: head.partition }))
    .sort((a, b) => a.seq - b.seq);
  const highest = heads[heads.length - 1]!;
  return { seq: highest.seq, hash: highest.hash, signedAt, keyId, root: { seq: seal.root.seq, hash: seal.root.hash }, heads };
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
  if (!isMultiChainCheckpoint(checkpoint)) return undefined;
  const problem = partitionHeadsProblem(checkpoint.root, checkpoint.heads, { sorted: true, allowEmpty: false });
  if (problem) return problem;
  const highest = checkpoint.heads![checkpoint.heads!.length - 1]!;
  if (checkpoint.seq !== highest.seq || checkpoint.hash !== highest.hash) return 'seq and hash must be those of the highest head';
  return undefined;
}

function checkpointInvalid(problem: string): AuditChainError {
  return new AuditChainError(AuditChainErrorCode.CheckpointInvalid, `cannot sign checkpoint: ${problem}`);
}

function isoOrInvalid(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'invalid date' : date.toISOString();
}
