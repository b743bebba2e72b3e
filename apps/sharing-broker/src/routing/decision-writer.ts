import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Coalescer } from '@accord/kafka';
import type { ChainedDecision, ChainHead } from '@accord/audit-chain';
import {
  appendDecisions,
  appendDecisionsIfHeads,
  chainKey,
  chainsOf,
  ConsentChanged,
  drawSeqs,
  ensureChainHeads,
  lockChainHeads,
  lockConsentHead,
  readRecordedDecisions,
  type ChainKey,
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

/** Seqs the fast path draws ahead of need (see DecisionWriter.reserve). */
const SEQ_RESERVE = 1024;

/**
 * Writes batches' decisions ahead of any release (docs/architecture.md, "Guarantees", 3).
 * Each events-topic partition is a chain of its own (docs/audit-chains.md), whose head
 * row a write locks until it commits; the partitions this process owns are its alone, so
 * its writes wait for nobody's but its own. The batches decided in one turn of the event
 * loop go together, and those that arrive while a write is under way wait, and then go
 * together in the next transaction: a group commit (see Coalescer). A group
 * is appended in one statement when this writer wrote every head it touches last and
 * nothing of the group is recorded (see writeGroup); otherwise its transaction locks
 * those heads first, so that what it then reads about earlier decisions cannot change
 * before it commits (an instance that took over a partition waits for the one that had
 * it, then sees its rows), and appends only what is not recorded yet. The batches of a
 * group are planned in arrival order, each seeing the rows planned before it, exactly as
 * if they had been written one after another; a failure fails every batch of the group,
 * having written nothing, and each retries on its own.
 */
@Injectable()
export class DecisionWriter {
  private readonly groups: Coalescer<PendingWrite, WriteResult>;
  /** Each chain's head as this writer last left it; a chain is absent until a locked write, and all are after any failure. */
  private knownHeads = new Map<string, ChainHead>();
  /** Chains whose head rows exist (created once per process; they are never removed). */
  private readonly existingChains = new Set<string>();
  /**
   * Whether the last locked write found its heads where this writer had left them. When it
   * did not, another instance is appending to this process's partitions too (a hand-over
   * under way), and a fast attempt would mostly find a head moved: it would cost Postgres a
   * whole statement for nothing before the locking path anyway. So the locking path goes
   * first until a locked write finds the heads undisturbed again.
   */
  private alone = true;
  /**
   * Seqs drawn ahead for the fast path, ascending: drawing them is a round trip of its own,
   * so it is made once per SEQ_RESERVE rows rather than once per write. Dropped after any
   * miss or failure (a sealer's cut, or another writer of a partition, may have passed
   * them); the seqs dropped, and those left when the process stops, are gaps, which
   * verification allows.
   */
  private reserve: number[] = [];
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
   * The fast path first: when this writer knows every head the group touches (it wrote
   * them last), the group is planned as if nothing of it were recorded and appended in one
   * statement that writes only if the heads are unchanged and that is true
   * (`appendDecisionsIfHeads`). Usually it is: the broker is the only writer of decisions,
   * and events are decided once. When it is not — a retry after a failure, an event
   * consumed again after a rebalance, another instance appended — the locking path
   * decides, as it always did.
   */
  private async writeGroup(group: readonly PendingWrite[]): Promise<WriteResult[]> {
    const items = group.flatMap((pending) => pending.items);
    // Batches of one group that read consent at different heads cannot all stand: the locking path says which way.
    const reads = [...new Set(group.map((pending) => pending.consentSeq).filter((seq): seq is number => seq !== null))];
    const consentSeq = reads[0] ?? null;
    const oneConsentRead = reads.length <= 1;
    try {
      const plans = planGroup(group, []);
      const rows = plans.flatMap((plan) => plan.toAppend);
      const chains = chainsOf(rows);
      if (rows.length === 0) return await withExtras(this.dataSource.manager, group, plans);
      const known = this.knownHeads;
      if (oneConsentRead && this.alone && chains.every((chain) => known.has(chainKey(chain)))) {
        // Before the append, so that an `extra` that fails leaves nothing written.
        const results = await withExtras(this.dataSource.manager, group, plans);
        const seqs = await this.takeSeqs(rows.length);
        const chained = await appendDecisionsIfHeads(this.dataSource.manager, rows, known, seqs, lookupOf(items), consentSeq);
        if (chained) {
          this.learn(chained);
          this.metrics.chainWrites.inc({ path: 'fast' });
          return results;
        }
        this.reserve = [];
        this.metrics.chainWrites.inc({ path: 'fast-missed' });
      }
      await this.ensureHeads(chains);
      // Read committed (the connections' default, see dataSourceOptions): after the head
      // locks are granted, each statement sees what the previous holders committed.
      const { results, chained, locked, undisturbed } = await this.dataSource.transaction(async (manager) => {
        const locked = await lockChainHeads(manager, chains);
        // A chain with no head known (the first write, or after a failure) shows no sign of another writer.
        const undisturbed = [...locked].every(([key, head]) => {
          const before = known.get(key);
          return before === undefined || (before.seq === head.seq && before.hash === head.hash);
        });
        // Usually nothing of the group is recorded and consent has not moved: the fast
        // path's one conditional statement, now sure to find the heads it was given, appends
        // the group with two round trips under the locks (it and the commit).
        if (oneConsentRead) {
          const results = await withExtras(manager, group, plans);
          const chained = await appendDecisionsIfHeads(manager, rows, locked, await drawSeqs(manager, rows.length), lookupOf(items), consentSeq);
          if (chained) return { results, chained, locked, undisturbed };
        }
        // Held until commit: no consent statement commits between this check and the decisions.
        const consentNow = await lockConsentHead(manager);
        if (group.some((pending) => pending.consentSeq !== null && pending.consentSeq !== consentNow)) throw new ConsentChanged();
        const recordedPlans = planGroup(group, await readRecordedDecisions(manager, lookupOf(items)));
        const toAppend = recordedPlans.flatMap((plan) => plan.toAppend);
        const chained = await appendDecisions(manager, toAppend, locked);
        return { results: await withExtras(manager, group, recordedPlans), chained, locked, undisturbed };
      });
      for (const [key, head] of locked) this.knownHeads.set(key, head);
      this.learn(chained);
      // The seqs this write drew are above the reserve's: a chain it appended to would refuse those.
      this.reserve = [];
      this.alone = undisturbed;
      this.metrics.chainWrites.inc({ path: 'locking' });
      return results;
    } catch (error) {
      this.knownHeads = new Map();
      this.reserve = [];
      // Whatever failed, the next attempt ensures the head rows again (one cheap statement): a restored database may lack some.
      this.existingChains.clear();
      throw error;
    }
  }

  /** `count` seqs for the fast path, from the reserve, drawing `count` more than is missing plus SEQ_RESERVE when it runs short. */
  private async takeSeqs(count: number): Promise<number[]> {
    if (this.reserve.length < count) this.reserve.push(...(await drawSeqs(this.dataSource.manager, count - this.reserve.length + SEQ_RESERVE)));
    return this.reserve.splice(0, count);
  }

  /** Each chain's last appended row becomes its known head. */
  private learn(chained: readonly ChainedDecision[]): void {
    for (const row of chained) this.knownHeads.set(chainKey(row), { seq: row.seq, hash: row.hash });
  }

  /** Creates the head rows of chains this process has not written yet, before the transaction that locks them. */
  private async ensureHeads(chains: readonly ChainKey[]): Promise<void> {
    const missing = chains.filter((chain) => !this.existingChains.has(chainKey(chain)));
    if (missing.length === 0) return;
    await ensureChainHeads(this.dataSource.manager, missing);
    for (const chain of missing) this.existingChains.add(chainKey(chain));
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
  const decisionIds = new Set<string>();
  const eventIds = new Set<string>();
  for (const item of items) {
    if (item.kind === 'rejected') decisionIds.add(item.row.decisionId);
    else if (item.kind === 'accepted') eventIds.add(item.eventId);
  }
  return { decisionIds: [...decisionIds], eventIds: [...eventIds] };
}
