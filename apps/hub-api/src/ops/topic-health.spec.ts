import { groupHealth, lagSeconds, partitionStatus, topicMessagesPerSecond, type OffsetSample } from './topic-health';

const TOPIC = 'accord.events.org.system';
const GROUP = 'accord-sharing-broker';
const SETTINGS = { windowMs: 60_000, stallEvidenceMs: 30_000 };

/** A sample every 5 s: `ends[i]` and `committed[i]` on one partition; group Stable with one member unless said. */
function samples(ends: number[], committed: Array<number | null>, state: string[] = []): OffsetSample[] {
  return ends.map((end, index) => ({
    at: 1_000_000 + index * 5000,
    topics: new Map([[TOPIC, [{ start: 0, end }]]]),
    groups: new Map([
      [
        GROUP,
        {
          state: state[index] ?? 'Stable',
          members: (state[index] ?? 'Stable') === 'Empty' ? 0 : 1,
          committed: new Map([[TOPIC, new Map([[0, committed[index] ?? null]])]]),
        },
      ],
    ]),
  }));
}

function point(at: number, committed: number, end: number) {
  return { at, committed, end, lag: end - committed };
}

describe('consumer group status (docs/contract.md, "Topic health")', () => {
  it('is ok when lag reached zero in the window, even if it is above zero now', () => {
    const health = groupHealth(samples([10, 20, 30], [10, 20, 25]), GROUP, SETTINGS)!;
    expect(health.status).toBe('ok');
    expect(health.lag).toBe(5);
  });

  it('is stalled when committed offsets stand still while records wait, for long enough', () => {
    const ends = [10, 11, 12, 13, 14, 15, 16, 17];
    const health = groupHealth(samples(ends, ends.map(() => 5)), GROUP, SETTINGS)!;
    expect(health.status).toBe('stalled');
    expect(health.partitions[0]).toMatchObject({ committedOffset: 5, endOffset: 17, lag: 12, status: 'stalled' });
  });

  it('warns while the lag only grows but offsets move, before there is evidence of a stall', () => {
    expect(partitionStatus([point(0, 0, 5), point(5000, 1, 8), point(10_000, 2, 12)], 30_000)).toBe('warning');
    expect(partitionStatus([point(0, 0, 5), point(5000, 0, 8)], 30_000)).toBe('warning');
  });

  it('is ok while a consumer works its lag down', () => {
    expect(partitionStatus([point(0, 0, 50), point(5000, 20, 60), point(10_000, 45, 70)], 30_000)).toBe('ok');
  });

  it('is stopped as soon as the group has no active member, whatever the lag', () => {
    const health = groupHealth(samples([10, 10, 15], [10, 10, 10], ['Stable', 'Stable', 'Empty']), GROUP, SETTINGS)!;
    expect(health).toMatchObject({ status: 'stopped', lag: 5, members: 0 });
    expect(health.statusReason).toContain('5 records waiting');
  });

  it('returns to ok once a consumer is back and lag reached zero', () => {
    const health = groupHealth(samples([15, 15, 15], [10, 10, 15], ['Empty', 'Stable', 'Stable']), GROUP, SETTINGS)!;
    expect(health.status).toBe('ok');
  });

  it('counts a partition the group never committed on from the log start', () => {
    const health = groupHealth(samples([4, 4], [null, null]), GROUP, SETTINGS)!;
    expect(health.partitions[0]).toMatchObject({ committedOffset: null, lag: 4 });
  });

  it('looks only at the window, though lag in seconds may use older samples', () => {
    const history = samples([10, 20, 30, 40], [10, 20, 25, 30]);
    expect(groupHealth(history, GROUP, { windowMs: 5000, stallEvidenceMs: 2500 })!.status).toBe('warning');
  });
});

describe('lag in seconds', () => {
  it('is how long ago the first unconsumed record was appended, interpolated between samples', () => {
    const history = samples([0, 10, 20, 30], [0, 0, 0, 0]);
    // Offset 10 was appended between the samples at +5 s (end 10) and +10 s (end 20): at about +5.5 s; now is +15 s.
    expect(lagSeconds(history, TOPIC, 0, 10, history[3]!.at)).toBeCloseTo(9.5, 1);
    expect(lagSeconds(history, TOPIC, 0, 30, history[3]!.at)).toBe(0);
  });

  it('extrapolates at the append rate when the record is older than every sample, and never goes negative', () => {
    const history = samples([100, 110, 120], [0, 0, 0]);
    // 10 records per 5 s: offset 50 was appended 25 s before the first sample, 35 s before now.
    expect(lagSeconds(history, TOPIC, 0, 50, history[2]!.at)).toBeCloseTo(35, 0);
    const idle = samples([100, 100], [0, 0]);
    expect(lagSeconds(idle, TOPIC, 0, 50, idle[1]!.at)).toBe(5);
  });
});

describe('messages per second', () => {
  it('is the end offset growth over the window', () => {
    const window = samples([0, 50, 100], [0, 0, 0]);
    expect(topicMessagesPerSecond(window, TOPIC)).toBe(10);
    expect(topicMessagesPerSecond(window, 'unknown')).toBe(0);
  });
});
