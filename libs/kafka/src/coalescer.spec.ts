import { Coalescer } from './coalescer';

/** A run that records its groups and finishes when the test releases it. */
function gatedRun() {
  const groups: number[][] = [];
  const gates: Array<() => void> = [];
  const run = (inputs: readonly number[]) =>
    new Promise<number[]>((resolve) => {
      groups.push([...inputs]);
      gates.push(() => resolve(inputs.map((input) => input * 10)));
    });
  const releaseNext = async () => {
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { groups, run, releaseNext };
}

describe('Coalescer', () => {
  it('runs the inputs submitted in one turn of an idle event loop together, at its end, and groups what arrives meanwhile in arrival order', async () => {
    const { groups, run, releaseNext } = gatedRun();
    const coalescer = new Coalescer(run);
    // As the batches of one fetch are handed over: one after another, a few microtasks apart.
    const first = [coalescer.submit(1)];
    await Promise.resolve();
    first.push(coalescer.submit(2));
    expect(groups).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1, 2]]);
    const rest = [coalescer.submit(3), coalescer.submit(4), coalescer.submit(5)];
    expect(groups).toEqual([[1, 2]]);
    await releaseNext();
    expect(groups).toEqual([[1, 2], [3, 4, 5]]);
    const late = coalescer.submit(6); // submitted after the second run started: not part of it
    await releaseNext();
    expect(groups).toEqual([[1, 2], [3, 4, 5], [6]]);
    await releaseNext();
    await expect(Promise.all(first)).resolves.toEqual([10, 20]);
    await expect(Promise.all(rest)).resolves.toEqual([30, 40, 50]);
    await expect(late).resolves.toBe(60);
  });

  it('starts again at the end of the turn in which it next finds itself idle', async () => {
    const { groups, run, releaseNext } = gatedRun();
    const coalescer = new Coalescer(run);
    const first = coalescer.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    await releaseNext();
    await expect(first).resolves.toBe(10);
    const second = [coalescer.submit(2), coalescer.submit(3)];
    expect(groups).toEqual([[1]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(groups).toEqual([[1], [2, 3]]);
    await releaseNext();
    await expect(Promise.all(second)).resolves.toEqual([20, 30]);
  });

  it('bounds a group by size, and still runs a single input larger than the bound', async () => {
    const { groups, run, releaseNext } = gatedRun();
    const coalescer = new Coalescer(run, { maxSize: 5, sizeOf: (input) => input });
    const all = [coalescer.submit(1), coalescer.submit(2), coalescer.submit(3), coalescer.submit(9), coalescer.submit(1)];
    await new Promise((resolve) => setImmediate(resolve));
    for (let index = 0; index < 4; index++) await releaseNext();
    expect(groups).toEqual([[1, 2], [3], [9], [1]]);
    await expect(Promise.all(all)).resolves.toEqual([10, 20, 30, 90, 10]);
  });

  it('fails exactly the group whose run failed; the next group runs', async () => {
    let calls = 0;
    const coalescer = new Coalescer(async (inputs: readonly string[]) => {
      calls++;
      if (inputs.includes('bad')) throw new Error('postgres went away');
      return inputs.map((input) => input.toUpperCase());
    });
    const first = coalescer.submit('a');
    await expect(first).resolves.toBe('A');
    const second = [coalescer.submit('bad'), coalescer.submit('b')];
    await expect(second[0]).rejects.toThrow('postgres went away');
    await expect(second[1]).rejects.toThrow('postgres went away');
    await expect(coalescer.submit('c')).resolves.toBe('C');
    expect(calls).toBe(3);
  });

  it('rejects the group when the run returns the wrong number of results', async () => {
    const coalescer = new Coalescer(async () => [1, 2]);
    await expect(coalescer.submit('only one')).rejects.toThrow('coalesced run returned 2 results for 1 inputs');
  });
});
