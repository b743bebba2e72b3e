import { InFlightBudget } from './in-flight-budget';
import { recordBytes } from './record-bytes';

/** Whether the promise has settled after the queued callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('InFlightBudget', () => {
  it('admits batches while they fit and holds the next until enough is released', async () => {
    const budget = new InFlightBudget(100);
    const first = await budget.acquire(60);
    const second = await budget.acquire(40);
    expect(budget.bytesInFlight).toBe(100);
    const third = budget.acquire(30);
    expect(await settled(third)).toBe(false);
    expect(budget.waiting).toBe(1);
    first();
    expect(await settled(third)).toBe(true);
    expect(budget.bytesInFlight).toBe(70);
    second();
    (await third)();
    expect(budget.bytesInFlight).toBe(0);
  });

  it('admits in arrival order: a small batch does not overtake a large one waiting', async () => {
    const budget = new InFlightBudget(100);
    const held = await budget.acquire(90);
    const large = budget.acquire(50);
    const small = budget.acquire(5);
    expect(await settled(small)).toBe(false);
    held();
    expect(await settled(large)).toBe(true);
    expect(await settled(small)).toBe(true);
    expect(budget.bytesInFlight).toBe(55);
  });

  it('lets a batch larger than the whole budget through alone, so it slows down but never stops', async () => {
    const budget = new InFlightBudget(100);
    const small = await budget.acquire(10);
    const huge = budget.acquire(500);
    expect(await settled(huge)).toBe(false);
    small();
    const release = await huge;
    expect(budget.bytesInFlight).toBe(500);
    const next = budget.acquire(1);
    expect(await settled(next)).toBe(false);
    release();
    (await next)();
  });

  it('withdraws a waiting batch when its signal aborts, counting nothing and letting the next one in', async () => {
    const budget = new InFlightBudget(100);
    const held = await budget.acquire(80);
    const withdrawn = new AbortController();
    const big = budget.acquire(50, withdrawn.signal);
    const behind = budget.acquire(20);
    expect(await settled(behind)).toBe(false);
    withdrawn.abort(new Error('partition lost'));
    await expect(big).rejects.toThrow('partition lost');
    expect(await settled(behind)).toBe(true);
    expect(budget.bytesInFlight).toBe(100);
    held();
    (await behind)();
    expect(budget.bytesInFlight).toBe(0);
    await expect(budget.acquire(1, AbortSignal.abort(new Error('already stopping')))).rejects.toThrow('already stopping');
  });

  it('counts a release once however often it is called, and reports every change', async () => {
    const changes: Array<[number, number]> = [];
    const budget = new InFlightBudget(10, (bytes, waiting) => changes.push([bytes, waiting]));
    const release = await budget.acquire(7);
    release();
    release();
    expect(budget.bytesInFlight).toBe(0);
    expect(changes).toEqual([
      [7, 0],
      [0, 0],
    ]);
  });

  it('measures a record as it arrives: key, value, header names and values', () => {
    expect(recordBytes({ key: Buffer.from('abc'), value: Buffer.from('12345'), headers: { ce_id: Buffer.from('xy'), many: [Buffer.from('1'), Buffer.from('22')] } })).toBe(
      3 + 5 + 'ce_id'.length + 2 + 'many'.length + 3,
    );
    expect(recordBytes({ key: null, value: null })).toBe(0);
    // Text counts in UTF-8 bytes, as Kafka carries it.
    expect(recordBytes({ key: 'é', value: 'ab', headers: { h: 'ü' } })).toBe(2 + 2 + 1 + 2);
  });
});
