import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { verifyChain } from '@accord/audit-chain';
import { dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase, readChainHead, readDecisionsAfter } from '@accord/persistence';
import { createTestDatabase, exampleDecision, type TestDatabase } from '@accord/testing';
import { DecisionWriter } from '../src/routing/decision-writer';
import type { EvaluatedDecision, PlanInput } from '../src/routing/decisions';

const accepted = (eventId: string, ...recipients: string[]): PlanInput => ({
  kind: 'accepted',
  eventId,
  decisions: recipients.map((recipient) => ({ row: exampleDecision({ eventId, recipient }) }) as EvaluatedDecision),
});

describe('the broker decision writer: batches that wait for the audit chain are committed together', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let writer: DecisionWriter;

  beforeAll(async () => {
    database = await createTestDatabase('broker_decision_writer');
    dataSource = await openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }));
    writer = new DecisionWriter(dataSource);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  async function allRows() {
    const { head } = await readChainHead(dataSource.manager);
    return readDecisionsAfter(dataSource.manager, 0, head.seq, 1_000_000);
  }

  it('plans concurrent batches as if written one after another: an event in two batches is decided once', async () => {
    const shared = randomUUID();
    const batches = [
      [accepted(shared, 'southampton.revenues-benefits', 'uhs.emergency-department'), accepted(randomUUID(), 'southampton.revenues-benefits')],
      [accepted(shared, 'southampton.revenues-benefits', 'uhs.emergency-department')],
      [accepted(randomUUID(), 'uhs.emergency-department')],
    ];
    const extraCalls: number[] = [];
    const results = await Promise.all(
      batches.map((items, index) => writer.write(items, async (manager) => (extraCalls.push(index), (await manager.query('SELECT 1 AS one'))[0].one))),
    );

    expect(results[0]!.plan.plans.map((plan) => plan.mode)).toEqual(['new', 'new']);
    expect(results[1]!.plan.plans[0]).toMatchObject({ mode: 'recorded' });
    expect(results[1]!.plan.toAppend).toEqual([]);
    expect(results[2]!.plan.toAppend).toHaveLength(1);
    expect(results.map((result) => result.extra)).toEqual([1, 1, 1]);
    expect(extraCalls.sort()).toEqual([0, 1, 2]);

    const rows = await allRows();
    expect(rows.filter((decision) => decision.eventId === shared)).toHaveLength(2);
    expect(rows).toHaveLength(4);
    expect(verifyChain(rows).ok).toBe(true);
  });

  it('fails every batch of a group that cannot be written, writing nothing, and writes the next ones afterwards', async () => {
    const before = (await allRows()).length;
    const good = [accepted(randomUUID(), 'southampton.revenues-benefits')];
    const failing = writer.write(good, async () => {
      throw new Error('extra failed');
    });
    const alongside = writer.write([accepted(randomUUID(), 'uhs.emergency-department')], async () => undefined);
    const outcomes = await Promise.allSettled([failing, alongside]);
    expect(outcomes[0]!.status).toBe('rejected');
    // Queued behind the failing write, or grouped with it: either way nothing half-written.
    const rowsAfter = await allRows();
    expect(rowsAfter.length - before).toBe(outcomes[1]!.status === 'fulfilled' ? 1 : 0);

    const retried = await writer.write(good, async () => 'ok');
    expect(retried.extra).toBe('ok');
    expect(retried.plan.toAppend).toHaveLength(1);
    expect(verifyChain(await allRows()).ok).toBe(true);
  });
});
