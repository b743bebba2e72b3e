import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditEnvironment } from './audit.environment';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { signCheckpoint, type ChainHead, type Checkpoint } from '@accord/audit-chain';
import {
  deletePurgedDecisions,
  insertCheckpoint,
  insertPurge,
  cutAuditLog,
  lastSeqDecidedBefore,
  readLatestCheckpoint,
  readLatestPurge,
} from '@accord/persistence';
import { AUDIT_KEYS } from './audit.tokens';
import { signPurge, verifyPurge, type AuditKeys } from './audit-keys';
import { startAfterPurge, verifyPartitionChains, verifySegment, type PartitionStart } from './audit-verification';
import { AuditChainBroken } from './audit.errors';

// Sealers and purgers of every hub-api instance take turns on this advisory lock ("audt").
const SEAL_LOCK = 0x61756474;
const PURGE_BATCH = 10_000;
const DAY_MS = 86_400_000;

export interface PurgeResult {
  throughSeq: number;
  deleted: number;
  checkpoint: Checkpoint;
}

/**
 * Seals the chain: every AUDIT_CHECKPOINT_INTERVAL_SECONDS it verifies the rows added
 * since the last checkpoint and signs the head (a segment that does not verify is never
 * sealed, so a seal vouches for everything before it). When AUDIT_RETENTION_DAYS is set,
 * it then purges the expired prefix of the chain — only ever up to a checkpoint it has
 * just sealed, and with a signed purge record, so verification of what remains still
 * holds and says where it starts.
 */
@Injectable()
export class AuditSealer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditSealer.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly intervalSeconds: number;
  private readonly retentionDays: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUDIT_KEYS) private readonly keys: AuditKeys,
    environment: AuditEnvironment,
  ) {
    this.intervalSeconds = environment.AUDIT_CHECKPOINT_INTERVAL_SECONDS;
    this.retentionDays = environment.AUDIT_RETENTION_DAYS;
  }

  onApplicationBootstrap(): void {
    if (this.intervalSeconds <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.intervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One scheduled round; never overlaps itself and never throws (it logs, without row content). */
  async tick(now = new Date()): Promise<void> {
    if (this.running) return;
    this.running = (async () => {
      try {
        await this.sealHead(now);
        if (this.retentionDays > 0) await this.purgeExpired(now);
      } catch (error) {
        this.logger.error({ code: (error as { code?: string }).code, problem: (error as Error).message }, 'audit sealing failed');
      }
    })().finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  /**
   * Seals the log as it stands: every partition chain's head at a cut (a v2 checkpoint),
   * after verifying the rows since the latest checkpoint; while no partition chain has a
   * row, the single chain's end (a v1 checkpoint). Null when the log is empty.
   */
  async sealHead(now = new Date()): Promise<Checkpoint | null> {
    const cut = await cutAuditLog(this.dataSource.manager);
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
      const { root } = cut;
      const newest = cut.heads.at(-1);
      if (!newest) return root.seq === 0 ? null : this.sealAt(manager, root.seq, now);
      const existing = await readLatestCheckpoint(manager);
      if (existing?.seq === newest.seq) return existing;
      const start = await this.partitionStart(manager, existing, root, now);
      const verified = await verifyPartitionChains(manager, { start, cut, publicKeys: this.keys.verificationKeys });
      if (!verified.ok) throw new AuditChainBroken(verified.firstBrokenSeq ?? start.after + 1, verified.problem ?? 'the partition chains do not verify');
      const checkpoint = signCheckpoint({ root, heads: cut.heads, signedAt: now }, this.keys.signingKey, this.keys.keyId);
      await insertCheckpoint(manager, checkpoint);
      return checkpoint;
    });
  }

  /**
   * Where verification of the partition chains resumes before a seal: after the latest v2
   * checkpoint, or after the retention purge's, or from the root (the single chain sealed
   * to its end first, so that a seal vouches for everything before it). Call under SEAL_LOCK.
   */
  private async partitionStart(manager: EntityManager, latest: Checkpoint | undefined, root: ChainHead, now: Date): Promise<PartitionStart> {
    const purge = await readLatestPurge(manager);
    if (purge && !verifyPurge(purge, this.keys.verificationKeys)) {
      throw new AuditChainBroken(purge.throughSeq, `the retention purge record through seq ${purge.throughSeq} has an invalid signature`);
    }
    const trusted = latest?.root && latest.heads && (!purge || latest.seq >= purge.throughSeq) ? latest : undefined;
    if (trusted?.root && trusted.heads) return { after: trusted.seq, root: trusted.root, heads: trusted.heads };
    if (purge && purge.throughSeq > root.seq) {
      const purged = await startAfterPurge(manager, purge, this.keys.verificationKeys);
      if ('problem' in purged) throw new AuditChainBroken(purge.throughSeq, purged.problem);
      return purged;
    }
    if (root.seq > (purge?.throughSeq ?? 0)) await this.sealAt(manager, root.seq, now);
    return { after: root.seq, root, heads: [] };
  }

  /**
   * Purges the rows decided more than AUDIT_RETENTION_DAYS before `now` (the longest such
   * prefix of the log): through a checkpoint — within the single chain one sealed at the
   * prefix's last seq, among the partition chains the latest checkpoint inside the prefix
   * (each is a cut: every row at or below its seq is in it) — with the purge recorded
   * (signed), then deleted in batches. A purge interrupted half-way is finished by the next one.
   */
  async purgeExpired(now = new Date(), retentionDays = this.retentionDays): Promise<PurgeResult | null> {
    if (retentionDays <= 0) return null;
    const decidedBefore = new Date(now.getTime() - retentionDays * DAY_MS);
    const cut = await cutAuditLog(this.dataSource.manager);
    const sealed = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
      const previous = await readLatestPurge(manager);
      const prefix = await lastSeqDecidedBefore(manager, decidedBefore, cut.heads.at(-1)?.seq ?? cut.root.seq);
      const checkpoint =
        prefix <= cut.root.seq
          ? prefix > (previous?.throughSeq ?? 0)
            ? await this.sealAt(manager, prefix, now)
            : undefined
          : await readLatestCheckpoint(manager, prefix);
      if (!checkpoint || checkpoint.seq <= (previous?.throughSeq ?? 0)) return null;
      const purge = signPurge(
        { throughSeq: checkpoint.seq, hash: checkpoint.hash, decidedBefore: decidedBefore.toISOString(), purgedAt: now.toISOString() },
        this.keys,
      );
      await insertPurge(manager, purge);
      return checkpoint;
    });
    const latest = await readLatestPurge(this.dataSource.manager);
    let deleted = 0;
    for (let batch = latest ? PURGE_BATCH : 0; batch > 0; deleted += batch) {
      batch = await deletePurgedDecisions(this.dataSource.manager, latest!.throughSeq, PURGE_BATCH);
    }
    if (!sealed) return null;
    this.logger.log({ throughSeq: sealed.seq, deleted }, 'purged audit rows past retention');
    return { throughSeq: sealed.seq, deleted, checkpoint: sealed };
  }

  /**
   * Verifies rows since the latest trusted point at or before `seq` (a checkpoint, the
   * retention start, or genesis) and signs a checkpoint at `seq`. Call under SEAL_LOCK.
   */
  private async sealAt(manager: EntityManager, seq: number, now: Date): Promise<Checkpoint> {
    const existing = await readLatestCheckpoint(manager, seq);
    if (existing?.seq === seq) return existing;
    const purge = await readLatestPurge(manager);
    if (purge && !verifyPurge(purge, this.keys.verificationKeys)) {
      throw new AuditChainBroken(purge.throughSeq, `the retention purge record through seq ${purge.throughSeq} has an invalid signature`);
    }
    let startAfter: ChainHead | undefined;
    if (existing && (!purge || existing.seq >= purge.throughSeq)) startAfter = { seq: existing.seq, hash: existing.hash };
    else if (purge) startAfter = { seq: purge.throughSeq, hash: purge.hash };
    const segment = await verifySegment(manager, { startAfter, throughSeq: seq, publicKeys: this.keys.verificationKeys });
    if (!segment.ok || segment.head?.seq !== seq) {
      const brokenAt = segment.firstBrokenSeq ?? (segment.head?.seq ?? 0) + 1;
      throw new AuditChainBroken(brokenAt, segment.problem ?? `the rows end before seq ${seq}`);
    }
    const checkpoint = signCheckpoint({ seq, hash: segment.head.hash, signedAt: now }, this.keys.signingKey, this.keys.keyId);
    await insertCheckpoint(manager, checkpoint);
    return checkpoint;
  }
}
