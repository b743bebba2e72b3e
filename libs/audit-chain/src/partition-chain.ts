import { GENESIS_HASH } from './canonical';

/*
 * What identifies a partition chain, shared by the writer (`chainPartition`), the
 * checkpoints that seal chain heads and the verifier. Internal: not exported from the
 * package.
 */

/** A Kafka topic name: the only topics a partition chain can be named after. */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/**
 * The most partition chains one checkpoint seals and one verifier follows: far more than
 * a hub's events topics have partitions, and the bound that keeps a hostile log (rows
 * inventing chains) from growing the verifier's memory without end.
 */
export const MAX_PARTITION_CHAINS = 100_000;

const HASH = /^[0-9a-f]{64}$/;

/**
 * The map key of the chain `(topic, partition)`, unchecked: the one key of a partition
 * chain, for the verifier here and for the decision log's writer. A topic name holds no
 * space, so the key is unambiguous.
 */
export function chainMapKey(topic: string, partition: number): string {
  return `${partition} ${topic}`;
}

/** The map key of the chain `(topic, partition)`, or undefined when the pair names no partition chain. */
export function partitionChainKey(topic: unknown, partition: unknown): string | undefined {
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic)) return undefined;
  if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) return undefined;
  return chainMapKey(topic, partition);
}

/**
 * Why `root` and `heads` do not describe where partition chains end, or undefined when
 * they do: a root `{ seq ≥ 0, hash }` (`GENESIS_HASH` at seq 0), and 1 to
 * `MAX_PARTITION_CHAINS` heads (0 when `allowEmpty`), each `{ seq > root.seq, hash, topic,
 * partition }`, with distinct seqs and distinct chains; sorted by seq ascending when
 * `sorted`. Problems name fields and indexes, never values.
 */
export function partitionHeadsProblem(
  root: unknown,
  heads: unknown,
  options: { sorted: boolean; allowEmpty: boolean },
): string | undefined {
  const rootFields = root as { seq?: unknown; hash?: unknown } | null;
  if (typeof root !== 'object' || rootFields === null) return 'root must be { seq, hash }';
  const rootSeq = rootFields.seq;
  if (typeof rootSeq !== 'number' || !Number.isSafeInteger(rootSeq) || rootSeq < 0) return 'root.seq must be a non-negative integer';
  if (typeof rootFields.hash !== 'string' || !HASH.test(rootFields.hash)) return 'root.hash must be 64 lowercase hex digits';
  if (rootSeq === 0 && rootFields.hash !== GENESIS_HASH) return 'root.hash must be the genesis hash when root.seq is 0';
  if (!Array.isArray(heads)) return 'heads must be an array';
  if (heads.length === 0 && !options.allowEmpty) return 'heads must hold at least one chain head';
  if (heads.length > MAX_PARTITION_CHAINS) return `heads must hold at most ${MAX_PARTITION_CHAINS} chain heads`;
  const seqs = new Set<number>();
  const chains = new Set<string>();
  let previousSeq = rootSeq;
  for (let i = 0; i < heads.length; i++) {
    const problem = headProblem(heads[i], i, rootSeq);
    if (problem !== undefined) return problem;
    const head = heads[i] as { seq: number; topic: string; partition: number };
    if (options.sorted && head.seq <= previousSeq) return `heads[${i}].seq must be greater than the seq before it: heads are sorted by seq`;
    previousSeq = head.seq;
    if (seqs.has(head.seq)) return `heads[${i}].seq must differ from every other head's`;
    seqs.add(head.seq);
    const key = partitionChainKey(head.topic, head.partition)!;
    if (chains.has(key)) return `heads[${i}] must name a (topic, partition) no other head names`;
    chains.add(key);
  }
  return undefined;
}

function headProblem(head: unknown, index: number, rootSeq: number): string | undefined {
  const fields = head as { seq?: unknown; hash?: unknown; topic?: unknown; partition?: unknown } | null;
  if (typeof head !== 'object' || fields === null) return `heads[${index}] must be { seq, hash, topic, partition }`;
  const seq = fields.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= rootSeq) {
    return `heads[${index}].seq must be an integer greater than root.seq`;
  }
  if (typeof fields.hash !== 'string' || !HASH.test(fields.hash)) return `heads[${index}].hash must be 64 lowercase hex digits`;
  if (typeof fields.topic !== 'string' || !TOPIC_NAME.test(fields.topic)) {
    return `heads[${index}].topic must be a Kafka topic name (1-249 of A-Z a-z 0-9 . _ -)`;
  }
  if (typeof fields.partition !== 'number' || !Number.isSafeInteger(fields.partition) || fields.partition < 0) {
    return `heads[${index}].partition must be a non-negative integer`;
  }
  return undefined;
}
