import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isRestrictiveConsentKind } from '@accord/contracts';
import { enqueue } from '@accord/kafka';
import {
  agreementHonours,
  consentState,
  consentVerdict,
  decidingStatement,
  EVENT_CATALOG,
  recordedScope,
  subjectKeys,
  type ConsentKind,
  type SubjectIdentifiers,
  type VersionedAgreement,
} from '@accord/governance';
import { advanceConsentHead, consentStatementsFor, loadLatestAgreements } from '@accord/persistence';
import type { Problem } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import {
  consentChangeMessage,
  consentNoticeMessage,
  consentNotices,
  type RecordedStatement,
  type SharedDecision,
} from './consent-notices';
import { HubOutbox } from '../outbox';
import { ConsentScopeUnknown } from './consents.errors';
import type { ConsentLookupQuery, RecordConsentRequest } from './dto/record-consent.dto';
import type {
  ConsentRecordView,
  ConsentStatementView,
  EffectiveConsentView,
  RecordedConsentView,
  StoredConsentStatementView,
} from './dto/consent.views';

/** A person with a long history is told about at most this many events per statement (the notice says it was cut short). */
const MAX_NOTICE_DECISIONS = 10_000;

interface StatementRow {
  id: string;
  recorded_seq: string;
  nhs_key: string | null;
  ni_key: string | null;
  kind: ConsentKind;
  scope_purpose: string | null;
  scope_recipient: string | null;
  scope_agreement_id: string | null;
  effective_from: Date;
  recorded_at: Date;
  recorded_by: string | null;
  evidence: string | null;
}

/**
 * The consent registry (docs/contract.md, "Consent"). A statement is stored with keyed
 * hashes of the person's identifiers, never the numbers. Its consent-change record and
 * any notices to recipients are enqueued in the same transaction (the outbox), so they
 * are published exactly when the statement exists, whether or not Kafka is up at that
 * moment.
 */
@Injectable()
export class ConsentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: HubOutbox,
    private readonly environment: HubApiEnvironment,
  ) {}

  async record(request: RecordConsentRequest): Promise<RecordedConsentView> {
    const scope = recordedScope(request.kind, request.scope);
    const subject: SubjectIdentifiers = { nhsNumber: request.subject.nhsNumber ?? undefined, niNumber: request.subject.niNumber ?? undefined };
    const keys = subjectKeys(subject, this.secret());
    const effectiveFrom = request.effectiveFrom === undefined ? null : new Date(request.effectiveFrom).toISOString();

    const id = randomUUID();
    const { statement, notices } = await this.dataSource.transaction(async (manager) => {
      await this.checkScope(manager, scope);
      // First: waits for the decision writes under way and holds off new ones until commit,
      // so the notice scan below sees every share decided without this statement (consent-head.ts).
      await advanceConsentHead(manager);
      const [row]: Array<{ recorded_seq: string; effective_from: Date; recorded_at: Date }> = await manager.query(
        `INSERT INTO consent_statements
           (id, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id, effective_from, recorded_by, evidence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8::timestamptz, now()), $9, $10)
         RETURNING recorded_seq, effective_from, recorded_at`,
        [
          id,
          keys.nhsNumber ?? null,
          keys.niNumber ?? null,
          request.kind,
          scope.purpose,
          scope.recipient,
          scope.agreementId,
          effectiveFrom,
          request.recordedBy ?? null,
          request.evidence ?? null,
        ],
      );
      const recorded: RecordedStatement = {
        id,
        kind: request.kind,
        scope,
        effectiveFrom: new Date(row!.effective_from),
        recordedAt: new Date(row!.recorded_at),
        recordedSeq: Number(row!.recorded_seq),
      };
      return this.publishInTransaction(manager, recorded, subject, keys);
    });
    this.outbox.nudge();
    return { ...this.statementView(statement), noticesQueued: notices };
  }

  /** The person's statements (found by keyed hash), and where consent stands for each current agreement. */
  async lookup(query: ConsentLookupQuery): Promise<ConsentRecordView> {
    const subject: SubjectIdentifiers = { nhsNumber: query.nhsNumber ?? undefined, niNumber: query.niNumber ?? undefined };
    const keys = subjectKeys(subject, this.secret());
    const rows: StatementRow[] = await this.dataSource.query(
      `SELECT id, recorded_seq, nhs_key, ni_key, kind, scope_purpose, scope_recipient, scope_agreement_id,
              effective_from, recorded_at, recorded_by, evidence
         FROM consent_statements
        WHERE nhs_key = $1 OR ni_key = $2
        ORDER BY recorded_seq`,
      [keys.nhsNumber ?? null, keys.niNumber ?? null],
    );
    const statements: StoredConsentStatementView[] = rows.map((row) => ({
      ...this.statementView(this.recorded(row)),
      recordedBy: row.recorded_by,
      evidence: row.evidence,
      matchedBy: [
        ...(keys.nhsNumber !== undefined && row.nhs_key === keys.nhsNumber ? ['nhsNumber'] : []),
        ...(keys.niNumber !== undefined && row.ni_key === keys.niNumber ? ['niNumber'] : []),
      ],
    }));
    const [consents] = await consentStatementsFor(this.dataSource.manager, [subject], this.secret());
    const agreements = await loadLatestAgreements(this.dataSource.manager);
    const now = new Date();
    const effective = this.effective(agreements, consents!, subject, now);
    const optOut = consentState(consents!, { subject, purpose: '', recipient: '', agreementId: '', now });
    return {
      statements,
      nationalOptOut: { optedOut: optOut.nationallyOptedOut, decidingStatementId: optOut.optOutWinner?.id ?? null },
      effective,
    };
  }

  /** Enqueues the consent-change record and, for a restrictive statement, the notices it calls for. */
  private async publishInTransaction(
    manager: EntityManager,
    statement: RecordedStatement,
    subject: SubjectIdentifiers,
    keys: { nhsNumber?: string; niNumber?: string },
  ): Promise<{ statement: RecordedStatement; notices: number }> {
    const messages = [consentChangeMessage(statement, keys)];
    if (isRestrictiveConsentKind(statement.kind)) {
      const { decisions, truncated } = await this.sharedDecisions(manager, statement, keys);
      if (decisions.length > 0) {
        const [statements] = await consentStatementsFor(manager, [subject], this.secret());
        const notices = consentNotices({ statement, subject, statements: statements!, decisions, now: new Date(), catalog: EVENT_CATALOG });
        messages.push(...notices.map((notice) => consentNoticeMessage(statement, notice, truncated)));
      }
    }
    await enqueue(manager, messages);
    return { statement, notices: messages.length - 1 };
  }

  /**
   * Every `shared` decision about the person under the statement's scope, oldest first. The
   * audit log keys a record by the NHS number's hash when it had both identifiers, so the
   * pairs of keys seen together (`subject_key_links`) widen the search to the other one.
   * Only registered recipients: their inbox topics exist.
   */
  private async sharedDecisions(
    manager: EntityManager,
    statement: RecordedStatement,
    keys: { nhsNumber?: string; niNumber?: string },
  ): Promise<{ decisions: SharedDecision[]; truncated: boolean }> {
    const subjectKeyList = [keys.nhsNumber, keys.niNumber].filter((key): key is string => key !== undefined);
    const rows: Array<{
      event_id: string;
      event_type: string | null;
      recipient: string;
      agreement_id: string;
      agreement_version: number;
      purpose: string;
      consent: SharedDecision['consent'];
    }> = await manager.query(
      `WITH person AS (
         SELECT unnest($1::text[]) AS subject_key
         UNION SELECT nhs_key FROM subject_key_links WHERE ni_key = ANY($1::text[])
         UNION SELECT ni_key FROM subject_key_links WHERE nhs_key = ANY($1::text[])
       )
       SELECT d.event_id, d.event_type, d.recipient, d.agreement_id, d.agreement_version, d.purpose,
              v.document -> 'consent' AS consent
         FROM decisions d
         JOIN participants p ON p.id = d.recipient
         LEFT JOIN agreement_versions v ON v.agreement_id = d.agreement_id AND v.version = d.agreement_version
        WHERE d.outcome = 'shared'
          AND d.subject_key IN (SELECT subject_key FROM person)
          AND d.event_id IS NOT NULL AND d.agreement_id IS NOT NULL AND d.purpose IS NOT NULL
          AND ($2::text IS NULL OR d.purpose = $2)
          AND ($3::text IS NULL OR d.recipient = $3)
          AND ($4::text IS NULL OR d.agreement_id = $4)
        ORDER BY d.seq
        LIMIT $5`,
      [subjectKeyList, statement.scope.purpose, statement.scope.recipient, statement.scope.agreementId, MAX_NOTICE_DECISIONS],
    );
    return {
      decisions: rows.map((row) => ({
        eventId: row.event_id,
        eventType: row.event_type,
        recipient: row.recipient,
        agreementId: row.agreement_id,
        agreementVersion: row.agreement_version,
        purpose: row.purpose,
        consent: row.consent,
      })),
      truncated: rows.length === MAX_NOTICE_DECISIONS,
    };
  }

  /** 422 when the scope names an unregistered recipient or an unknown agreement, listing both. */
  private async checkScope(manager: EntityManager, scope: RecordedStatement['scope']): Promise<void> {
    const problems: Problem[] = [];
    if (scope.recipient !== null) {
      const [known] = await manager.query('SELECT 1 FROM participants WHERE id = $1', [scope.recipient]);
      if (!known) problems.push({ path: 'scope.recipient', problem: 'is not a registered participant' });
    }
    if (scope.agreementId !== null) {
      const [known] = await manager.query('SELECT 1 FROM agreement_versions WHERE agreement_id = $1 LIMIT 1', [scope.agreementId]);
      if (!known) problems.push({ path: 'scope.agreementId', problem: 'is not a known agreement' });
    }
    if (problems.length > 0) throw new ConsentScopeUnknown(problems);
  }

  private effective(
    agreements: VersionedAgreement[],
    consents: Parameters<typeof consentState>[0],
    subject: SubjectIdentifiers,
    now: Date,
  ): EffectiveConsentView[] {
    const views: EffectiveConsentView[] = [];
    for (const agreement of agreements) {
      if (agreement.status === 'draft') continue;
      for (const recipient of new Set(agreement.recipients)) {
        const state = consentState(consents, { subject, purpose: agreement.purpose.code, recipient, agreementId: agreement.id, now });
        const basis = agreement.consent.basis;
        const winner = decidingStatement(basis, state);
        views.push({
          agreementId: agreement.id,
          agreementVersion: agreement.version,
          recipient,
          purpose: agreement.purpose.code,
          consentBasis: basis,
          decidingStatementId: winner?.id ?? null,
          decidingKind: winner?.kind ?? null,
          consentPermits: consentVerdict(basis, winner) === 'permits',
          // No event type here: whether the type is exempt from the opt-out is the event's to say.
          optOutWithholds: agreementHonours('national-opt-out', agreement.consent, undefined) && state.nationallyOptedOut,
        });
      }
    }
    return views;
  }

  private recorded(row: StatementRow): RecordedStatement {
    return {
      id: row.id,
      kind: row.kind,
      scope: { purpose: row.scope_purpose, recipient: row.scope_recipient, agreementId: row.scope_agreement_id },
      effectiveFrom: new Date(row.effective_from),
      recordedAt: new Date(row.recorded_at),
      recordedSeq: Number(row.recorded_seq),
    };
  }

  private statementView(statement: RecordedStatement): ConsentStatementView {
    return {
      id: statement.id,
      kind: statement.kind,
      scope: { ...statement.scope },
      effectiveFrom: statement.effectiveFrom.toISOString(),
      recordedAt: statement.recordedAt.toISOString(),
    };
  }

  private secret(): string {
    return this.environment.ACCORD_SUBJECT_KEY_SECRET;
  }
}
