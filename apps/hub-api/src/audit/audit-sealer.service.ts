import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AuditEnvironment } from './audit.environment';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { signCheckpoint, type ChainHead, type Checkpoint } from '@accord/audit-chain';
import {
  deletePurgedDecisions,
  insertCheckpoint,
  insertPurge,
  lastSeqDecidedBefore,
  readChainHead,
  readLatestCheckpoint,
  readLatestPurge,
} from '@accord/persistence';
import { AUDIT_KEYS } from './audit.tokens';
import { signPurge, verifyPurge, type AuditKeys } from './audit-keys';
import { verifySegment } from './audit-verification';
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

  /** Seals the current chain head; null when the log is empty. */
  async sealHead(now = new Date()): Promise<Checkpoint | null> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
      const { head } = await readChainHead(manager);
      return head.seq === 0 ? null : this.sealAt(manager, head.seq, now);
    });
  }

  /**
   * Purges the rows decided more than AUDIT_RETENTION_DAYS before `now` (the longest such
   * prefix of the chain): seal a checkpoint at its last seq, record the purge (signed),
   * then delete in batches. A purge interrupted half-way is finished by the next one.
   */
  async purgeExpired(now = new Date(), retentionDays = this.retentionDays): Promise<PurgeResult | null> {
    if (retentionDays <= 0) return null;
    const decidedBefore = new Date(now.getTime() - retentionDays * DAY_MS);
    const sealed = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [SEAL_LOCK]);
      const previous = await readLatestPurge(manager);
      const { head } = await readChainHead(manager);
      const throughSeq = await lastSeqDecidedBefore(manager, decidedBefore, head.seq);
      if (throughSeq <= (previous?.throughSeq ?? 0)) return null;
      const checkpoint = await this.sealAt(manager, throughSeq, now);
      const purge = signPurge(
        { throughSeq, hash: checkpoint.hash, decidedBefore: decidedBefore.toISOString(), purgedAt: now.toISOString() },
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
