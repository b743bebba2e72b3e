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
  it('runs an input that finds it idle at once, alone, and groups what arrives meanwhile in arrival order', async () => {
    const { groups, run, releaseNext } = gatedRun();
    const coalescer = new Coalescer(run);
    const first = coalescer.submit(1);
    expect(groups).toEqual([[1]]);
    const rest = [coalescer.submit(2), coalescer.submit(3), coalescer.submit(4)];
    expect(groups).toEqual([[1]]);
    await releaseNext();
    expect(groups).toEqual([[1], [2, 3, 4]]);
    const late = coalescer.submit(5); // submitted after the second run started: not part of it
    await releaseNext();
    expect(groups).toEqual([[1], [2, 3, 4], [5]]);
    await releaseNext();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([20, 30, 40]);
    await expect(late).resolves.toBe(50);
  });

  it('bounds a group by size, and still runs a single input larger than the bound', async () => {
    const { groups, run, releaseNext } = gatedRun();
    const coalescer = new Coalescer(run, { maxSize: 5, sizeOf: (input) => input });
    const all = [coalescer.submit(1), coalescer.submit(2), coalescer.submit(3), coalescer.submit(9), coalescer.submit(1)];
    for (let index = 0; index < 4; index++) await releaseNext();
    expect(groups).toEqual([[1], [2, 3], [9], [1]]);
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
    const second = [coalescer.submit('bad'), coalescer.submit('b')];
    await expect(first).resolves.toBe('A');
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
