import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { appendDecisions } from '@accord/persistence';
import { planWrites, type PlanInput, type RecordedDecision, type WritePlan } from './decisions';

interface RecordedRow {
  decision_id: string;
  event_id: string | null;
  recipient: string | null;
  agreement_id: string | null;
  agreement_version: number | null;
  purpose: string | null;
  outcome: RecordedDecision['outcome'];
  payload_digest: string | null;
}

/**
 * Writes a batch's decisions ahead of any release (guarantee 3), in one transaction: it
 * takes the audit chain head lock first, so that what it then reads about earlier
 * decisions cannot change before it commits (another broker instance that took over the
 * partition waits for us, then sees our rows), and appends only what is not recorded yet.
 */
@Injectable()
export class DecisionWriter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * `extra` runs in the same transaction after the plan is made (e.g. to load the agreement
   * versions that recorded decisions name). Throws, having written nothing, when Postgres fails.
   */
  async write<T>(
    items: readonly PlanInput[],
    extra: (manager: EntityManager, plan: WritePlan) => Promise<T>,
  ): Promise<{ plan: WritePlan; extra: T }> {
    return this.dataSource.transaction('READ COMMITTED', async (manager) => {
      await manager.query('SELECT 1 FROM audit_chain_head WHERE id = 1 FOR UPDATE');
      const recorded = await recordedDecisions(manager, items);
      const plan = planWrites(items, recorded);
      await appendDecisions(manager, plan.toAppend);
      return { plan, extra: await extra(manager, plan) };
    });
  }
}

/** Decisions already in the log for the batch: its rejection ids, and any non-rejected decision of its event ids. */
async function recordedDecisions(manager: EntityManager, items: readonly PlanInput[]): Promise<RecordedDecision[]> {
  const rejectionIds = [...new Set(items.flatMap((item) => (item.kind === 'rejected' ? [item.row.decisionId] : [])))];
  const eventIds = [...new Set(items.flatMap((item) => (item.kind === 'accepted' ? [item.eventId] : [])))];
  if (rejectionIds.length === 0 && eventIds.length === 0) return [];
  const rows: RecordedRow[] = await manager.query(
    `SELECT decision_id, event_id, recipient, agreement_id, agreement_version, purpose, outcome, payload_digest
       FROM decisions
      WHERE decision_id = ANY($1::uuid[]) OR (event_id = ANY($2::text[]) AND outcome <> 'rejected')
      ORDER BY seq`,
    [rejectionIds, eventIds],
  );
  return rows.map((row) => ({
    decisionId: row.decision_id,
    eventId: row.event_id,
    recipient: row.recipient,
    agreementId: row.agreement_id,
    agreementVersion: row.agreement_version,
    purpose: row.purpose,
    outcome: row.outcome,
    payloadDigest: row.payload_digest,
  }));
}
