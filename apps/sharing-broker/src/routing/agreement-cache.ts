import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { VersionedAgreement } from '@accord/governance';
import { agreementFromRow, agreementsStamp, loadLatestAgreements } from '@accord/persistence';

const versionKey = (agreementId: string, version: number) => `${agreementId}@${version}`;

/**
 * The latest version of every agreement, indexed by provider. Each batch asks Postgres for
 * the cheap stamp that changes whenever a version is added and reloads only when it moved,
 * so an agreement applied, suspended or resumed while the broker runs governs the next
 * batch. Older versions are kept once seen (versions are immutable), to deliver decisions
 * recorded under them again.
 */
@Injectable()
export class AgreementCache {
  private readonly logger = new Logger(AgreementCache.name);
  private stamp: string | undefined;
  private byProvider = new Map<string, VersionedAgreement[]>();
  private readonly versions = new Map<string, VersionedAgreement>();

  /** Brings the cache up to date; throws when Postgres cannot answer (the batch then waits). */
  async refresh(manager: EntityManager, knownStamp?: string): Promise<void> {
    // The broker's batches read the stamp with their consent (consentForKeys): no query of its own then.
    const stamp = knownStamp ?? (await agreementsStamp(manager));
    if (stamp === this.stamp) return;
    const latest = await loadLatestAgreements(manager);
    const byProvider = new Map<string, VersionedAgreement[]>();
    for (const agreement of latest) {
      this.versions.set(versionKey(agreement.id, agreement.version), agreement);
      const list = byProvider.get(agreement.provider);
      if (list) list.push(agreement);
      else byProvider.set(agreement.provider, [agreement]);
    }
    this.byProvider = byProvider;
    this.stamp = stamp;
    this.logger.log(
      { agreements: latest.map((agreement) => versionKey(agreement.id, agreement.version)) },
      'agreements loaded',
    );
  }

  /** The latest versions of the agreements whose provider is `participant` (drafts included; the engine skips them). */
  agreementsOf(participant: string): readonly VersionedAgreement[] {
    return this.byProvider.get(participant) ?? [];
  }

  /** A specific version, loading the missing ones in one query. */
  async versionsOf(
    manager: EntityManager,
    wanted: readonly { agreementId: string; version: number }[],
  ): Promise<Map<string, VersionedAgreement>> {
    const missing = wanted.filter(({ agreementId, version }) => !this.versions.has(versionKey(agreementId, version)));
    if (missing.length > 0) {
      const rows: Array<{ agreement_id: string; version: number; status: VersionedAgreement['status']; document: Record<string, unknown> }> =
        await manager.query(
          `SELECT agreement_id, version, status, document FROM agreement_versions
            WHERE (agreement_id, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
          [missing.map((item) => item.agreementId), missing.map((item) => item.version)],
        );
      for (const row of rows) {
        const agreement = agreementFromRow({ agreementId: row.agreement_id, version: row.version, status: row.status, document: row.document });
        this.versions.set(versionKey(agreement.id, agreement.version), agreement);
      }
    }
    const found = new Map<string, VersionedAgreement>();
    for (const { agreementId, version } of wanted) {
      const agreement = this.versions.get(versionKey(agreementId, version));
      if (agreement) found.set(versionKey(agreementId, version), agreement);
    }
    return found;
  }
}

export { versionKey };
