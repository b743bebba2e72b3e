import fc from 'fast-check';
import {
  GENESIS_HASH,
  chain,
  chainPartition,
  hashRecord,
  signCheckpoint,
  type ChainHead,
  type ChainedDecision,
  type Checkpoint,
  type KeyInput,
  type SealedHead,
  type UnchainedDecision,
} from '../src';
import { unchainedDecisionArbitrary } from './arbitraries';

/** The partition chains of generated logs: one topic with several partitions, and one partition number under several topics. */
export const CHAINS = [
  { topic: 'accord.events', partition: 0 },
  { topic: 'accord.events', partition: 1 },
  { topic: 'accord.events', partition: 2 },
  { topic: 'accord.events.council-tax', partition: 0 },
  { topic: 'accord_events-2', partition: 1 },
] as const;

export const SIGNED_AT = '2026-04-01T12:00:00.000Z';

/** An audit log as the writer leaves it: B rows of the single chain, then partition chains interleaved in seq order, with gaps. */
export interface PartitionLog {
  boundary: number;
  /** Row B, or the genesis root when B is 0. */
  root: ChainHead;
  /** In seq order. */
  rows: ChainedDecision[];
}

/** One row after the boundary: its decision, which of `CHAINS` it joins, and how many seqs are skipped before it. */
export interface PartitionEntry {
  decision: UnchainedDecision;
  chain: number;
  gap: number;
}

export const chainKeyOf = (row: { topic: string; partition: number }): string => `${row.partition} ${row.topic}`;

/** Chains the log the way the writer does: `chain` for the prefix, then `chainPartition` per chain in batches of up to 3. */
export function buildPartitionLog(prefix: readonly UnchainedDecision[], entries: readonly PartitionEntry[]): PartitionLog {
  const single = chain(prefix, null);
  const boundary = single.length;
  const root = boundary === 0 ? { seq: 0, hash: GENESIS_HASH } : { seq: boundary, hash: single[boundary - 1]!.hash };
  const pending = new Map<number, { decisions: UnchainedDecision[]; seqs: number[] }>();
  let seq = boundary;
  for (const entry of entries) {
    seq += 1 + entry.gap;
    const group = pending.get(entry.chain) ?? { decisions: [], seqs: [] };
    group.decisions.push({ ...entry.decision, ...CHAINS[entry.chain]! });
    group.seqs.push(seq);
    pending.set(entry.chain, group);
  }
  const rows = [...single];
  for (const { decisions, seqs } of pending.values()) {
    let head = root;
    for (let from = 0; from < decisions.length; from += 3) {
      const batch = chainPartition(decisions.slice(from, from + 3), head, seqs.slice(from, from + 3));
      rows.push(...batch);
      head = { seq: batch.at(-1)!.seq, hash: batch.at(-1)!.hash };
    }
  }
  rows.sort((a, b) => a.seq - b.seq);
  return { boundary, root, rows };
}

export const partitionEntryArbitrary = (maxGap = 2): fc.Arbitrary<PartitionEntry> =>
  fc.record({ decision: unchainedDecisionArbitrary, chain: fc.nat(CHAINS.length - 1), gap: fc.nat(maxGap) });

/** Any log: 0–6 rows of single chain, then 1–40 rows in up to five partition chains. */
export const partitionLogArbitrary = ({ maxPrefix = 6, minRows = 1, maxRows = 40, maxGap = 2 } = {}): fc.Arbitrary<PartitionLog> =>
  fc
    .tuple(fc.array(unchainedDecisionArbitrary, { maxLength: maxPrefix }), fc.array(partitionEntryArbitrary(maxGap), { minLength: minRows, maxLength: maxRows }))
    .map(([prefix, entries]) => buildPartitionLog(prefix, entries));

/** A fixed log for example tests: `prefix` single-chain rows, then one row per entry of `chains` (indexes into CHAINS), seqs skipping `gaps[i]`. */
export function sampleLog(prefix: number, chains: readonly number[], gaps: readonly number[] = [], seed = 11): PartitionLog {
  const decisions = fc.sample(unchainedDecisionArbitrary, { numRuns: prefix + chains.length, seed });
  return buildPartitionLog(
    decisions.slice(0, prefix),
    chains.map((chainIndex, i) => ({ decision: decisions[prefix + i]!, chain: chainIndex, gap: gaps[i] ?? 0 })),
  );
}

/** The last row of each partition chain among `rows`, sorted by seq: what the verifier reports as `chains`. */
export function lastRowsOfChains(rows: readonly ChainedDecision[], boundary: number): SealedHead[] {
  const last = new Map<string, SealedHead>();
  for (const row of rows) {
    if (row.seq > boundary) last.set(chainKeyOf(row), { seq: row.seq, hash: row.hash, topic: row.topic, partition: row.partition });
  }
  return [...last.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * A v2 checkpoint as the sealer signs it at a cut after seq `through`: each chain's last
 * row with seq at or below it. Its own seq is the highest of those rows, so no row lies
 * between it and `through`. Undefined when no chain has such a row.
 */
export function sealHeads(log: PartitionLog, through: number, privateKey: KeyInput, signedAt = SIGNED_AT): Checkpoint | undefined {
  const heads = lastRowsOfChains(
    log.rows.filter((row) => row.seq <= through),
    log.boundary,
  );
  return heads.length === 0 ? undefined : signCheckpoint({ root: log.root, heads, signedAt }, privateKey);
}

/** A v1 checkpoint over the row at `seq` (of the single chain, or any row). */
export function sealRow(log: PartitionLog, seq: number, privateKey: KeyInput): Checkpoint {
  return signCheckpoint({ seq, hash: log.rows.find((row) => row.seq === seq)!.hash, signedAt: SIGNED_AT }, privateKey);
}

/**
 * Checkpoints fed the way hub-api feeds them: loaded a page at a time as the rows
 * advance, so that before rows up to seq S are pushed the feed holds every checkpoint up
 * to S and the first one after S; reading past that throws.
 */
export class LoadedCheckpoints implements Iterable<Checkpoint> {
  private loaded = 0;
  /** How many checkpoints were read. */
  read = 0;

  constructor(private readonly checkpoints: readonly Checkpoint[]) {}

  loadThrough(seq: number): void {
    const beyond = this.checkpoints.findIndex((checkpoint) => checkpoint.seq > seq);
    this.loaded = Math.max(this.loaded, beyond < 0 ? this.checkpoints.length : beyond + 1);
  }

  [Symbol.iterator](): Iterator<Checkpoint> {
    return {
      next: (): IteratorResult<Checkpoint> => {
        if (this.read < this.loaded) return { value: this.checkpoints[this.read++]!, done: false };
        if (this.loaded === this.checkpoints.length) return { value: undefined, done: true };
        throw new Error('checkpoint feed read past what was loaded');
      },
    };
  }
}

/** Index of the next row of row `index`'s partition chain, or -1. */
export function chainSuccessor(rows: readonly ChainedDecision[], index: number): number {
  const key = chainKeyOf(rows[index]!);
  for (let i = index + 1; i < rows.length; i++) if (chainKeyOf(rows[i]!) === key) return i;
  return -1;
}

/**
 * What a tamperer with database access but without the signing key can do after editing
 * row `from`: recompute every link and hash from it on, along the single chain and each
 * partition chain.
 */
export function rehashFrom(rows: ChainedDecision[], boundary: number, from: number): ChainedDecision[] {
  let single = GENESIS_HASH;
  let root = GENESIS_HASH;
  const last = new Map<string, string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (i >= from) {
      row.prevHash = row.seq <= boundary ? single : (last.get(chainKeyOf(row)) ?? root);
      row.hash = hashRecord(row);
    }
    if (row.seq <= boundary) {
      single = row.hash;
      if (row.seq === boundary) root = row.hash;
    } else {
      last.set(chainKeyOf(row), row.hash);
    }
  }
  return rows;
}

export const copyRows = (rows: readonly ChainedDecision[]): ChainedDecision[] => rows.map((row) => structuredClone(row));
