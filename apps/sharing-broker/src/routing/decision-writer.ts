import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Coalescer } from '@accord/kafka';
import type { ChainHead } from '@accord/audit-chain';
import {
  appendDecisions,
  appendDecisionsIfHead,
  ConsentChanged,
  lockChainHead,
  lockConsentHead,
  readRecordedDecisions,
  type RecordedLookup,
} from '@accord/persistence';
import { brokerMetrics } from '../metrics';
import { planWrites, recordedFrom, type PlanInput, type RecordedDecision, type WritePlan } from './decisions';

/** One batch's write, waiting for its turn at the audit chain. */
interface PendingWrite {
  items: readonly PlanInput[];
  /** The consent head read before the batch's consent statements (its decisions stand only while it is unchanged); null when the batch read no consent. */
  consentSeq: number | null;
  extra: (manager: EntityManager, plan: WritePlan) => Promise<unknown>;
}

/** Decisions one group transaction may carry, so a backlog does not make one huge statement. */
export const MAX_GROUP_ITEMS = 10_000;

/**
 * Writes batches' decisions ahead of any release (guarantee 3). The audit chain takes one
 * writer at a time (its head row is locked until commit), so the batches that arrive while
 * a write is under way wait, and then go together in the next transaction: a group
 * commit. A group is appended in one statement when this writer wrote the head last and
 * nothing of the group is recorded (see writeGroup); otherwise its transaction takes the
 * chain head lock first, so that what it then reads about earlier decisions cannot change
 * before it commits (another broker instance that took over a partition waits for us,
 * then sees our rows), and appends only what is not recorded yet: in the usual case with
 * the fast path's conditional statement, so that the lock is held for as few round trips
 * as possible. The batches of a group are planned in arrival order, each seeing the rows
 * planned before it, exactly as if they had been written one after another; a failure
 * fails every batch of the group, having written nothing, and each retries on its own.
 */
@Injectable()
export class DecisionWriter {
  private readonly groups: Coalescer<PendingWrite, WriteResult>;
  /** The chain head as this writer last left it; undefined until a locked write, and after any failure. */
  private knownHead: ChainHead | undefined;
  /**
   * Whether the last locked write found the head where this writer had left it. When it
   * did not, another instance is appending too, and a fast attempt would mostly find the
   * head moved: it would cost Postgres a whole statement for nothing before the locking
   * path anyway (measured with two instances: 44 of 69 fast attempts failed). So the
   * locking path goes first until a locked write finds the head undisturbed again.
   */
  private alone = true;
  private readonly metrics = brokerMetrics();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.groups = new Coalescer((group) => this.writeGroup(group), {
      maxSize: MAX_GROUP_ITEMS,
      sizeOf: (pending) => pending.items.length,
    });
  }

  /**
   * `extra` runs after the plan is made, before the decisions are committed (in the same
   * transaction on the locking path), e.g. to load the agreement versions that recorded
   * decisions name. Resolves once the decisions are committed; throws, having written
   * nothing, when Postgres or `extra` fails.
   */
  write<T>(
    items: readonly PlanInput[],
    consentSeq: number | null,
    extra: (manager: EntityManager, plan: WritePlan) => Promise<T>,
  ): Promise<{ plan: WritePlan; extra: T }> {
    return this.groups.submit({ items, consentSeq, extra }) as Promise<{ plan: WritePlan; extra: T }>;
  }

  /**
   * The fast path first: when this writer knows the head (it wrote last), the group is
   * planned as if nothing of it were recorded and appended in one statement that writes
   * only if the head is unchanged and that is true (`appendDecisionsIfHead`). Usually it
   * is: the broker is the only writer of decisions, and events are decided once. When it
   * is not — a retry after a failure, an event consumed again after a rebalance, another
   * instance appended — the locking path decides, as it always did.
   */
  private async writeGroup(group: readonly PendingWrite[]): Promise<WriteResult[]> {
    const items = group.flatMap((pending) => pending.items);
    // Batches of one group that read consent at different heads cannot all stand: the locking path says which way.
    const reads = [...new Set(group.map((pending) => pending.consentSeq).filter((seq): seq is number => seq !== null))];
    const consentSeq = reads[0] ?? null;
    const oneConsentRead = reads.length <= 1;
    try {
      const head = this.knownHead;
      if (head && oneConsentRead && this.alone) {
        const plans = planGroup(group, []);
        const rows = plans.flatMap((plan) => plan.toAppend);
        if (rows.length > 0) {
          // Before the append, so that an `extra` that fails leaves nothing written.
          const results = await withExtras(this.dataSource.manager, group, plans);
          const chained = await appendDecisionsIfHead(this.dataSource.manager, rows, head, lookupOf(items), consentSeq);
          if (chained) {
            this.knownHead = chained[chained.length - 1]!;
            this.metrics.chainWrites.inc({ path: 'fast' });
            return results;
          }
          this.metrics.chainWrites.inc({ path: 'fast-missed' });
        }
      }
      // Read committed (the connections' default, see dataSourceOptions): after the head
      // lock is granted, each statement sees what the previous holder committed.
      const knownBefore = this.knownHead;
      const { results, newHead, undisturbed } = await this.dataSource.transaction(async (manager) => {
        const locked = await lockChainHead(manager);
        // With no head known (the first write, or after a failure) there is no sign of another writer.
        const undisturbed = knownBefore === undefined || (locked.seq === knownBefore.seq && locked.hash === knownBefore.hash);
        // Usually nothing of the group is recorded and consent has not moved: the fast path's
        // one conditional statement, now sure to find the head it was given, appends the group
        // with two round trips under the lock (it and the commit) instead of four. The other
        // instance waits for this lock meanwhile, so every round trip saved here is saved twice.
        if (oneConsentRead) {
          const plans = planGroup(group, []);
          const results = await withExtras(manager, group, plans);
          const chained = await appendDecisionsIfHead(manager, plans.flatMap((plan) => plan.toAppend), locked, lookupOf(items), consentSeq);
          if (chained) return { results, newHead: chained[chained.length - 1] ?? locked, undisturbed };
        }
        // Held until commit: no consent statement commits between this check and the decisions.
        const consentNow = await lockConsentHead(manager);
        if (group.some((pending) => pending.consentSeq !== null && pending.consentSeq !== consentNow)) throw new ConsentChanged();
        const plans = planGroup(group, await readRecordedDecisions(manager, lookupOf(items)));
        const chained = await appendDecisions(
          manager,
          plans.flatMap((plan) => plan.toAppend),
          locked,
        );
        return { results: await withExtras(manager, group, plans), newHead: chained[chained.length - 1] ?? locked, undisturbed };
      });
      this.knownHead = newHead;
      this.alone = undisturbed;
      this.metrics.chainWrites.inc({ path: 'locking' });
      return results;
    } catch (error) {
      this.knownHead = undefined;
      throw error;
    }
  }
}

type WriteResult = { plan: WritePlan; extra: unknown };

/** The batches of a group planned in arrival order, each seeing the rows planned before it. */
function planGroup(group: readonly PendingWrite[], recorded: RecordedDecision[]): WritePlan[] {
  return group.map((pending) => {
    const plan = planWrites(pending.items, recorded);
    recorded = recorded.concat(plan.toAppend.map(recordedFrom));
    return plan;
  });
}

async function withExtras(manager: EntityManager, group: readonly PendingWrite[], plans: readonly WritePlan[]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  for (const [index, pending] of group.entries()) results.push({ plan: plans[index]!, extra: await pending.extra(manager, plans[index]!) });
  return results;
}

/** The ids whose recorded decisions the group must know: its rejection ids and its event ids. */
function lookupOf(items: readonly PlanInput[]): RecordedLookup {
  return {
    decisionIds: [...new Set(items.flatMap((item) => (item.kind === 'rejected' ? [item.row.decisionId] : [])))],
    eventIds: [...new Set(items.flatMap((item) => (item.kind === 'accepted' ? [item.eventId] : [])))],
  };
}
