import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { EVENT_CATALOG, isInForce, type Agreement, type AgreementStatus, type ValidationContext } from '@accord/governance';
import { AgreementVersionEntity, agreementFromRow } from '@accord/persistence';
import { type Caller } from '../auth';
import { agreementDigest, readSubmittedAgreement, type AgreementSubmission } from './agreement-document';
import { AgreementNotFound, AgreementStateConflict } from './agreements.errors';
import type {
  AgreementChange,
  AgreementSummaryView,
  AgreementVersionView,
  AgreementView,
  AppliedAgreementView,
} from './dto/agreement.views';

/** Namespace of the per-agreement advisory lock (two-key form, so it cannot meet the migration or outbox locks). */
const AGREEMENT_LOCK_NAMESPACE = 0x616772; // "agr"

/**
 * Agreements as governance-as-code (docs/contract.md, "Agreements"). Versions are
 * insert-only: every accepted change adds one, and no row is ever updated. Changes to
 * one agreement are serialised by a transaction-scoped advisory lock, so concurrent
 * applies can neither number two versions alike nor both store the same document.
 */
@Injectable()
export class AgreementsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** What agreements are validated against: the event catalogue and the registered participants. */
  async validationContext(manager: EntityManager = this.dataSource.manager): Promise<ValidationContext> {
    const rows: Array<{ id: string }> = await manager.query('SELECT id FROM participants');
    const registered = new Set(rows.map((row) => row.id));
    return { catalog: EVENT_CATALOG, participants: (id) => registered.has(id) };
  }

  /**
   * Validates and stores a new version, or reports `unchanged` when the validated document
   * equals the latest one. A suspension made with `/suspend` is lifted only by `/resume`:
   * re-applying the document (as `npm start` does with the reference agreements) must not
   * silently re-enable an agreement someone stopped on purpose.
   */
  async apply(id: string, submission: AgreementSubmission, caller: Caller): Promise<AppliedAgreementView> {
    const agreement = readSubmittedAgreement(submission, await this.validationContext(), id);
    const digest = agreementDigest(agreement);
    return this.dataSource.transaction(async (manager) => {
      await this.lock(manager, id);
      const latest = await this.latest(manager, id);
      if (latest && latest.documentDigest === digest) return { ...this.versionView(latest), id, unchanged: true };
      const suspendedByLifecycle = latest?.status === 'suspended' && (latest.document as { status?: string }).status !== 'suspended';
      const status: AgreementStatus = suspendedByLifecycle && agreement.status === 'active' ? 'suspended' : agreement.status;
      const stored = await this.insert(manager, {
        agreementId: id,
        version: (latest?.version ?? 0) + 1,
        status,
        provider: agreement.provider,
        document: agreement as unknown as Record<string, unknown>,
        documentDigest: digest,
        change: 'applied',
        appliedBy: caller.tokenId,
      });
      return { ...this.versionView(stored), id, unchanged: false };
    });
  }

  suspend(id: string, caller: Caller): Promise<AppliedAgreementView> {
    return this.changeStatus(id, 'suspend', caller);
  }

  resume(id: string, caller: Caller): Promise<AppliedAgreementView> {
    return this.changeStatus(id, 'resume', caller);
  }

  /** The latest version of every agreement, by id. */
  async list(): Promise<AgreementSummaryView[]> {
    const rows = await this.dataSource
      .getRepository(AgreementVersionEntity)
      .createQueryBuilder('version')
      .distinctOn(['version.agreementId'])
      .orderBy('version.agreementId', 'ASC')
      .addOrderBy('version.version', 'DESC')
      .getMany();
    const now = new Date();
    return rows.map((row) => {
      const agreement = agreementFromRow(row);
      return {
        id: agreement.id,
        version: row.version,
        status: row.status,
        title: agreement.title,
        provider: agreement.provider,
        recipients: [...agreement.recipients],
        purpose: { code: agreement.purpose.code, description: agreement.purpose.description },
        validFrom: agreement.validFrom,
        validUntil: agreement.validUntil,
        reviewBy: agreement.reviewBy,
        inForce: isInForce(agreement, now),
        change: row.change,
        appliedAt: row.appliedAt.toISOString(),
      };
    });
  }

  async get(id: string): Promise<AgreementView> {
    const latest = await this.latest(this.dataSource.manager, id);
    if (!latest) throw new AgreementNotFound();
    const agreement = agreementFromRow(latest);
    const { version: _version, ...document } = agreement;
    return { id, ...this.versionView(latest), inForce: isInForce(agreement, new Date()), document: document as unknown as Record<string, unknown> };
  }

  async versions(id: string): Promise<AgreementVersionView[]> {
    const rows = await this.dataSource.getRepository(AgreementVersionEntity).find({ where: { agreementId: id }, order: { version: 'ASC' } });
    if (rows.length === 0) throw new AgreementNotFound();
    return rows.map((row) => this.versionView(row));
  }

  /** The latest stored version of `id` as the engine sees it (status from the row), or undefined. */
  async latestAgreement(id: string): Promise<(Agreement & { version: number }) | undefined> {
    const latest = await this.latest(this.dataSource.manager, id);
    return latest ? agreementFromRow(latest) : undefined;
  }

  private async changeStatus(id: string, change: 'suspend' | 'resume', caller: Caller): Promise<AppliedAgreementView> {
    return this.dataSource.transaction(async (manager) => {
      await this.lock(manager, id);
      const latest = await this.latest(manager, id);
      if (!latest) throw new AgreementNotFound();
      const expected: AgreementStatus = change === 'suspend' ? 'active' : 'suspended';
      if (latest.status !== expected) throw new AgreementStateConflict(latest.status, change);
      // The document (and so its digest) is carried over: only the version's status changes.
      const stored = await this.insert(manager, {
        agreementId: id,
        version: latest.version + 1,
        status: change === 'suspend' ? 'suspended' : 'active',
        provider: latest.provider,
        document: latest.document,
        documentDigest: latest.documentDigest,
        change: change === 'suspend' ? 'suspended' : 'resumed',
        appliedBy: caller.tokenId,
      });
      return { ...this.versionView(stored), id, unchanged: false };
    });
  }

  private async lock(manager: EntityManager, id: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AGREEMENT_LOCK_NAMESPACE, id]);
  }

  private latest(manager: EntityManager, id: string): Promise<AgreementVersionEntity | null> {
    return manager.getRepository(AgreementVersionEntity).findOne({ where: { agreementId: id }, order: { version: 'DESC' } });
  }

  private async insert(
    manager: EntityManager,
    row: Omit<AgreementVersionEntity, 'appliedAt' | 'change'> & { change: AgreementChange },
  ): Promise<AgreementVersionEntity> {
    // jsonb documents are plain JSON; TypeORM's deep-partial type cannot see that.
    await manager.getRepository(AgreementVersionEntity).insert(row as QueryDeepPartialEntity<AgreementVersionEntity>);
    return manager.getRepository(AgreementVersionEntity).findOneByOrFail({ agreementId: row.agreementId, version: row.version });
  }

  private versionView(row: AgreementVersionEntity): AgreementVersionView {
    return {
      version: row.version,
      status: row.status,
      change: row.change,
      appliedBy: row.appliedBy,
      appliedAt: row.appliedAt.toISOString(),
      documentDigest: row.documentDigest,
    };
  }
}
