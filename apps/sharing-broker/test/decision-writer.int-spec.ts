import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import type { DataSource } from 'typeorm';
import { verifyChain } from '@accord/audit-chain';
import {
  advanceConsentHead,
  ConsentChanged,
  dataSourceOptions,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  lockConsentHead,
  openDatabase,
  readChainHead,
  readConsentHead,
  readDecisionsAfter,
} from '@accord/persistence';
import { createTestDatabase, exampleDecision, type TestDatabase } from '@accord/testing';
import { DecisionWriter } from '../src/routing/decision-writer';
import type { EvaluatedDecision, PlanInput } from '../src/routing/decisions';

/** The rows of a hub with no single-chain prefix: every chain is a partition's (docs/audit-chains.md). */
const PARTITION_CHAINS = { partitionChainsAfter: 0 };

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
    // `extra` sees the plan the batch is written with, and can query.
    const results = await Promise.all(
      batches.map((items) =>
        writer.write(items, null, async (manager, plan) => `${plan.plans.map((item) => item.mode).join(',')}:${(await manager.query('SELECT 1 AS one'))[0].one}`),
      ),
    );

    expect(results[0]!.plan.plans.map((plan) => plan.mode)).toEqual(['new', 'new']);
    expect(results[1]!.plan.plans[0]).toMatchObject({ mode: 'recorded' });
    expect(results[1]!.plan.toAppend).toEqual([]);
    expect(results[2]!.plan.toAppend).toHaveLength(1);
    expect(results.map((result) => result.extra)).toEqual(['new,new:1', 'recorded:1', 'new:1']);

    const rows = await allRows();
    expect(rows.filter((decision) => decision.eventId === shared)).toHaveLength(2);
    expect(rows).toHaveLength(4);
    expect(verifyChain(rows, PARTITION_CHAINS).ok).toBe(true);
  });

  it('writes nothing when a consent statement committed after the batch read consent, on the fast path and the locking path', async () => {
    const before = (await allRows()).length;
    const read = await readConsentHead(dataSource.manager);
    // The writer knows the head now (fast path next); a statement then moves the consent head.
    await writer.write([accepted(randomUUID(), 'uhs.emergency-department')], read, async () => undefined);
    await dataSource.transaction((manager) => advanceConsentHead(manager));
    await expect(writer.write([accepted(randomUUID(), 'uhs.emergency-department')], read, async () => undefined)).rejects.toBeInstanceOf(ConsentChanged);
    // Twice: the failure made the writer forget the head, so this one took the locking path.
    await expect(writer.write([accepted(randomUUID(), 'uhs.emergency-department')], read, async () => undefined)).rejects.toBeInstanceOf(ConsentChanged);
    expect((await allRows()).length).toBe(before + 1);
    // Read again, it stands.
    const reread = await readConsentHead(dataSource.manager);
    expect(reread).toBe(read + 1);
    await writer.write([accepted(randomUUID(), 'uhs.emergency-department')], reread, async () => undefined);
    expect((await allRows()).length).toBe(before + 2);
  });

  it('makes a statement being recorded wait for a decision write under way, so its scan sees those decisions', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // A decision write holding the consent head (as the locking path does until its commit).
      await lockConsentHead(runner.manager);
      let advanced = false;
      const statement = dataSource.transaction((manager) => advanceConsentHead(manager)).then(() => (advanced = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(advanced).toBe(false);
      await runner.commitTransaction();
      await statement;
      expect(advanced).toBe(true);
    } finally {
      await runner.release();
    }
  });

  it('fails every batch of a group that cannot be written, writing nothing, and writes the next ones afterwards', async () => {
    const before = (await allRows()).length;
    const good = [accepted(randomUUID(), 'southampton.revenues-benefits')];
    const failing = writer.write(good, null, async () => {
      throw new Error('extra failed');
    });
    const alongside = writer.write([accepted(randomUUID(), 'uhs.emergency-department')], null, async () => undefined);
    const outcomes = await Promise.allSettled([failing, alongside]);
    expect(outcomes[0]!.status).toBe('rejected');
    // Queued behind the failing write, or grouped with it: either way nothing half-written.
    const rowsAfter = await allRows();
    expect(rowsAfter.length - before).toBe(outcomes[1]!.status === 'fulfilled' ? 1 : 0);

    const retried = await writer.write(good, null, async () => 'ok');
    expect(retried.extra).toBe('ok');
    expect(retried.plan.toAppend).toHaveLength(1);
    expect(verifyChain(await allRows(), PARTITION_CHAINS).ok).toBe(true);
  });
});

/** accord_broker_chain_writes_total{path} as exported. */
async function chainWrites(path: 'fast' | 'locking' | 'fast-missed'): Promise<number> {
  const text = await register.getSingleMetricAsString('accord_broker_chain_writes_total');
  const line = text.split('\n').find((candidate) => candidate.startsWith(`accord_broker_chain_writes_total{path="${path}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('the broker decision writer: several broker instances append to the same partitions', () => {
  let database: TestDatabase;
  const dataSources: DataSource[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('broker_decision_writers');
    for (let index = 0; index < 3; index++) {
      dataSources.push(await openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS })));
    }
  });
  afterAll(async () => {
    for (const dataSource of dataSources) await dataSource.destroy();
    await database?.drop();
  });

  it('keeps the chain intact with every event decided once, while the head each writer knows keeps going stale', async () => {
    const before = { fast: await chainWrites('fast'), locking: await chainWrites('locking') };
    const writers = dataSources.map((dataSource) => new DecisionWriter(dataSource));
    const events = Array.from({ length: 60 }, () => randomUUID());
    // Each writer writes every event, in rounds of concurrent batches: the same event reaches
    // several instances (as after a rebalance) and each instance's head is overtaken by the others.
    const outcomes = await Promise.all(
      writers.map(async (writer, index) => {
        const modes: string[] = [];
        for (let start = 0; start < events.length; start += 5) {
          const slice = index % 2 === 0 ? events.slice(start, start + 5) : events.slice(start, start + 5).reverse();
          const results = await Promise.all(slice.map((eventId) => writer.write([accepted(eventId, 'uhs.emergency-department', 'southampton.revenues-benefits')], null, async () => undefined)));
          modes.push(...results.flatMap((result) => result.plan.plans.map((plan) => plan.mode)));
        }
        return modes;
      }),
    );

    // Each event was decided by exactly one writer; the others found it recorded.
    const newCount = outcomes.flat().filter((mode) => mode === 'new').length;
    expect(newCount).toBe(events.length);
    const { head } = await readChainHead(dataSources[0]!.manager);
    const rows = await readDecisionsAfter(dataSources[0]!.manager, 0, head.seq, 1_000_000);
    expect(rows).toHaveLength(events.length * 2);
    expect(new Set(rows.map((row) => row.eventId)).size).toBe(events.length);
    expect(verifyChain(rows, PARTITION_CHAINS).ok).toBe(true);
    expect(new Set(rows.map((row) => row.seq)).size).toBe(rows.length);
    // Both paths were taken: the fast one while a writer's head was current, the locking one when it was not.
    expect(await chainWrites('fast')).toBeGreaterThan(before.fast);
    expect(await chainWrites('locking')).toBeGreaterThan(before.locking + writers.length);
  });

  it('while another instance appends too, goes to the locking path first instead of missing on the fast one each time, and back once it is alone', async () => {
    const [a, b] = [new DecisionWriter(dataSources[0]!), new DecisionWriter(dataSources[1]!)];
    const write = (writer: DecisionWriter) => writer.write([accepted(randomUUID(), 'uhs.emergency-department')], null, async () => undefined);
    await write(a);
    await write(b);
    const before = { fast: await chainWrites('fast'), missed: await chainWrites('fast-missed'), locking: await chainWrites('locking') };
    // Taking turns: each finds the head moved once, then stops trying the fast path.
    for (let round = 0; round < 5; round++) {
      await write(a);
      await write(b);
    }
    expect((await chainWrites('fast-missed')) - before.missed).toBeLessThanOrEqual(2);
    expect((await chainWrites('locking')) - before.locking).toBe(10);
    // Alone again: one locked write finds the head where it left it, and the next goes fast.
    await write(a);
    await write(a);
    const fast = await chainWrites('fast');
    await write(a);
    expect(await chainWrites('fast')).toBe(fast + 1);
    expect(fast).toBe(before.fast);
    const { head } = await readChainHead(dataSources[0]!.manager);
    expect(verifyChain(await readDecisionsAfter(dataSources[0]!.manager, 0, head.seq, 1_000_000), PARTITION_CHAINS).ok).toBe(true);
  });

  it('appends on the fast path once it knows the head, and an event already recorded is delivered as recorded, not decided again', async () => {
    const writer = new DecisionWriter(dataSources[0]!);
    const first = randomUUID();
    await writer.write([accepted(first, 'uhs.emergency-department')], null, async () => undefined); // learns the head
    const fast = await chainWrites('fast');
    const next = await writer.write([accepted(randomUUID(), 'uhs.emergency-department')], null, async () => undefined);
    expect(next.plan.plans.map((plan) => plan.mode)).toEqual(['new']);
    expect(await chainWrites('fast')).toBe(fast + 1);

    const again = await writer.write([accepted(first, 'uhs.emergency-department'), accepted(randomUUID(), 'uhs.emergency-department')], null, async () => undefined);
    expect(again.plan.plans.map((plan) => plan.mode)).toEqual(['recorded', 'new']);
    const { head } = await readChainHead(dataSources[0]!.manager);
    const rows = await readDecisionsAfter(dataSources[0]!.manager, 0, head.seq, 1_000_000);
    expect(rows.filter((row) => row.eventId === first)).toHaveLength(1);
    expect(verifyChain(rows, PARTITION_CHAINS).ok).toBe(true);
  });
});
