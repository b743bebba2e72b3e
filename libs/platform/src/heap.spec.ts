import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { heapGrowthFlag } from './heap';

/**
 * A process that keeps ~30 MB live and promotes garbage (objects that outlive two young
 * collections, then die), with the flag set at run time as limitHeapGrowth sets it.
 * Prints its old space's peak size.
 */
const WORKLOAD = `
const v8 = require('node:v8');
if (process.argv[1]) v8.setFlagsFromString(process.argv[1]);
const live = Array.from({ length: 400 }, () => Array.from({ length: 1000 }, (_, i) => ({ i, s: 'x' + i })));
const ring = [];
const oldSpace = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'old_space').space_size;
let peak = 0;
for (let step = 0; step < 80000; step++) {
  ring.push(Array.from({ length: 200 }, (_, i) => ({ i, s: 'y' + i })));
  if (ring.length > 3000) ring.shift();
  if (step % 50 === 0) peak = Math.max(peak, oldSpace());
}
process.stdout.write(JSON.stringify({ peakMb: peak / 1e6, kept: live.length + ring.length }));
`;

async function peakOldSpaceMb(flag: string | undefined): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', WORKLOAD, flag ?? ''], { encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(stdout) as { peakMb: number }).peakMb;
}

describe('heapGrowthFlag', () => {
  it('names V8 heap growing percent, and nothing for 0 (V8 chooses)', () => {
    expect(heapGrowthFlag(100)).toBe('--heap-growing-percent=100');
    expect(heapGrowthFlag(0)).toBeUndefined();
    expect(() => heapGrowthFlag(-1)).toThrow();
    expect(() => heapGrowthFlag(1.5)).toThrow();
  });

  it('bounds the old space of a process that promotes garbage when set at run time, where V8 alone lets it grow', async () => {
    const [unlimited, limited] = await Promise.all([peakOldSpaceMb(heapGrowthFlag(0)), peakOldSpaceMb(heapGrowthFlag(100))]);
    // Measured: Node 20.20 about 390 MB without, 200 MB with; Node 24.21 about 420 and 260
    // (the same as with the flag on the command line). A Node whose V8 ignored the flag at
    // run time would show both alike.
    expect(limited).toBeLessThan(unlimited * 0.7);
  }, 60_000);
});
