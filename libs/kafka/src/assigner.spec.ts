import { assignPartitions } from './assigner';

const partitions = (counts: Record<string, number>) => (topic: string) => Array.from({ length: counts[topic] ?? 0 }, (_, index) => index);

describe('assignPartitions', () => {
  it('gives each topic’s partitions only to members subscribed to it, and assigns a topic only one member knows', () => {
    const assignment = assignPartitions(
      [
        { memberId: 'leader', topics: ['accord.events.a'] },
        { memberId: 'member', topics: ['accord.events.a', 'accord.events.b'] },
      ],
      partitions({ 'accord.events.a': 6, 'accord.events.b': 3 }),
    );
    expect(assignment.get('leader')!['accord.events.b']).toBeUndefined();
    expect(assignment.get('member')!['accord.events.b']).toEqual([0, 1, 2]);
    const a = [...(assignment.get('leader')!['accord.events.a'] ?? []), ...(assignment.get('member')!['accord.events.a'] ?? [])].sort();
    expect(a).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('assigns every partition exactly once and balances the load across topics', () => {
    const members = ['m1', 'm2', 'm3'].map((memberId) => ({ memberId, topics: ['t1', 't2', 't3'] }));
    const assignment = assignPartitions(members, partitions({ t1: 6, t2: 6, t3: 1 }));
    const counts = [...assignment.values()].map((topics) => Object.values(topics).reduce((sum, list) => sum + list.length, 0));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(13);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    const seen = [...assignment.values()].flatMap((topics) => Object.entries(topics).flatMap(([topic, list]) => list.map((partition) => `${topic}/${partition}`)));
    expect(new Set(seen).size).toBe(13);
  });

  it('is the same whatever order the members arrive in', () => {
    const members = [
      { memberId: 'b', topics: ['t1'] },
      { memberId: 'a', topics: ['t1', 't2'] },
    ];
    expect(assignPartitions(members, partitions({ t1: 4, t2: 2 }))).toEqual(assignPartitions([...members].reverse(), partitions({ t1: 4, t2: 2 })));
  });
});
