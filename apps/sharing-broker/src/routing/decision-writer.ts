import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { appendDecisions, lockChainHead } from '@accord/persistence';
import { planWrites, recordedFrom, type PlanInput, type RecordedDecision, type WritePlan } from './decisions';

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

/** One batch waiting for its turn at the audit chain. */
interface PendingWrite {
  items: readonly PlanInput[];
  extra: (manager: EntityManager, plan: WritePlan) => Promise<unknown>;
  resolve(result: { plan: WritePlan; extra: unknown }): void;
  reject(error: unknown): void;
}

/** Decisions one group transaction may carry, so a backlog does not make one huge statement. */
export const MAX_GROUP_ITEMS = 10_000;

/**
 * Writes batches' decisions ahead of any release (guarantee 3). The audit chain takes one
 * writer at a time (its head row is locked until commit), so the batches that arrive while
 * a write is under way wait, and then go together in the next transaction: a group
 * commit. Each transaction takes the chain head lock first, so that what it then reads
 * about earlier decisions cannot change before it commits (another broker instance that
 * took over a partition waits for us, then sees our rows), and appends only what is not
 * recorded yet. The batches of a group are planned in arrival order, each seeing the rows
 * planned before it, exactly as if they had been written one after another; a failure
 * fails every batch of the group, having written nothing, and each retries on its own.
 */
@Injectable()
export class DecisionWriter {
  private readonly queue: PendingWrite[] = [];
  private writing = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * `extra` runs in the same transaction after the plan is made (e.g. to load the agreement
   * versions that recorded decisions name). Resolves once the decisions are committed;
   * throws, having written nothing, when Postgres fails.
   */
  write<T>(items: readonly PlanInput[], extra: (manager: EntityManager, plan: WritePlan) => Promise<T>): Promise<{ plan: WritePlan; extra: T }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, extra, resolve: resolve as PendingWrite['resolve'], reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.nextGroup();
        try {
          // Read committed (the connections' default, see dataSourceOptions): after the head
          // lock is granted, each statement sees what the previous holder committed.
          const results = await this.dataSource.transaction((manager) => writeGroup(manager, group));
          group.forEach((pending, index) => pending.resolve(results[index]!));
        } catch (error) {
          for (const pending of group) pending.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private nextGroup(): PendingWrite[] {
    const group = [this.queue.shift()!];
    let size = group[0]!.items.length;
    while (this.queue.length > 0 && size + this.queue[0]!.items.length <= MAX_GROUP_ITEMS) {
      const next = this.queue.shift()!;
      size += next.items.length;
      group.push(next);
    }
    return group;
  }
}

async function writeGroup(manager: EntityManager, group: readonly PendingWrite[]): Promise<Array<{ plan: WritePlan; extra: unknown }>> {
  const head = await lockChainHead(manager);
  let recorded = await recordedDecisions(
    manager,
    group.flatMap((pending) => pending.items),
  );
  const plans = group.map((pending) => {
    const plan = planWrites(pending.items, recorded);
    recorded = recorded.concat(plan.toAppend.map(recordedFrom));
    return plan;
  });
  await appendDecisions(
    manager,
    plans.flatMap((plan) => plan.toAppend),
    head,
  );
  const results: Array<{ plan: WritePlan; extra: unknown }> = [];
  for (const [index, pending] of group.entries()) results.push({ plan: plans[index]!, extra: await pending.extra(manager, plans[index]!) });
  return results;
}

/** Decisions already in the log for the batch: its rejection ids, and any non-rejected decision of its event ids. */
async function recordedDecisions(manager: EntityManager, items: readonly PlanInput[]): Promise<RecordedDecision[]> {
  const rejectionIds = [...new Set(items.flatMap((item) => (item.kind === 'rejected' ? [item.row.decisionId] : [])))];
  const eventIds = [...new Set(items.flatMap((item) => (item.kind === 'accepted' ? [item.eventId] : [])))];
  if (rejectionIds.length === 0 && eventIds.length === 0) return [];
  const rows: RecordedRow[] = await manager.query(
    // One index lookup per id, whatever the statistics say. `= ANY(array)` let the planner
    // choose a scan of the whole table when it estimated many matches — as it does before
    // the table is first analysed — and each slower write then gathered more batches into
    // the next group, whose longer array made the scan more likely (measured: 100–300 ms
    // a lookup at 150k rows, and a p50 latency of 500 ms at 1,000 events/s). A LATERAL
    // subquery kept from being flattened (OFFSET 0) can only be run per id, with its index.
    `SELECT d.* FROM unnest($1::uuid[]) AS wanted(id) CROSS JOIN LATERAL (
       SELECT seq, decision_id, event_id, recipient, agreement_id, agreement_version, purpose, outcome, payload_digest
         FROM decisions WHERE decision_id = wanted.id OFFSET 0) d
     UNION
     SELECT d.* FROM unnest($2::text[]) AS wanted(id) CROSS JOIN LATERAL (
       SELECT seq, decision_id, event_id, recipient, agreement_id, agreement_version, purpose, outcome, payload_digest
         FROM decisions WHERE event_id = wanted.id AND outcome <> 'rejected' OFFSET 0) d
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
