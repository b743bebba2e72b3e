/*
 * Topic health from samples of offsets (docs/contract.md, "Topic health"), as pure
 * functions: the sampler takes a sample every few seconds, these turn the samples of the
 * last window into rates, lag in seconds and a status. No thresholds to tune: the status
 * follows from how committed offsets and lag moved over the window (the rules Burrow
 * made popular).
 */

export type GroupStatus = 'ok' | 'warning' | 'stalled' | 'stopped';

/** One observation of the cluster. Offsets are numbers: they stay far below 2^53. */
export interface OffsetSample {
  /** Epoch milliseconds. */
  at: number;
  /** topic → per partition index: [log start offset, end offset (high watermark)]. */
  topics: Map<string, Array<{ start: number; end: number }>>;
  groups: Map<string, GroupSample>;
}

export interface GroupSample {
  /** Kafka's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  state: string;
  members: number;
  /** topic → partition → committed offset (null: the group never committed on it). */
  committed: Map<string, Map<number, number | null>>;
}

export interface PartitionHealth {
  topic: string;
  partition: number;
  committedOffset: number | null;
  endOffset: number;
  lag: number;
  lagSeconds: number;
  status: Exclude<GroupStatus, 'stopped'>;
}

export interface GroupHealth {
  groupId: string;
  state: string;
  members: number;
  status: GroupStatus;
  /** Why the status is what it is, in a sentence for ops. */
  statusReason: string;
  lag: number;
  lagSeconds: number;
  /** Records committed per second over the window. */
  messagesPerSecond: number;
  partitions: PartitionHealth[];
}

const SEVERITY: Record<GroupStatus, number> = { ok: 0, warning: 1, stalled: 2, stopped: 3 };

export function worstStatus<T extends GroupStatus>(statuses: T[]): T | 'ok' {
  return statuses.reduce<T | 'ok'>((worst, status) => (SEVERITY[status] > SEVERITY[worst] ? status : worst), 'ok');
}

/** The samples taken within `windowMs` of the newest one, oldest first. */
export function inWindow(samples: readonly OffsetSample[], windowMs: number): OffsetSample[] {
  const newest = samples[samples.length - 1];
  if (!newest) return [];
  return samples.filter((sample) => sample.at >= newest.at - windowMs);
}

/** Records appended per second to a topic between the first and last sample of the window. */
export function topicMessagesPerSecond(window: readonly OffsetSample[], topic: string): number {
  const first = window.find((sample) => sample.topics.has(topic));
  const last = [...window].reverse().find((sample) => sample.topics.has(topic));
  if (!first || !last || last.at <= first.at) return 0;
  const total = (sample: OffsetSample) => sample.topics.get(topic)!.reduce((sum, partition) => sum + partition.end, 0);
  return Math.max(0, total(last) - total(first)) / ((last.at - first.at) / 1000);
}

interface PartitionPoint {
  at: number;
  committed: number;
  end: number;
  lag: number;
}

/** Where the group stands on one partition in each sample; a partition never committed counts from the log start. */
function partitionPoints(samples: readonly OffsetSample[], groupId: string, topic: string, partition: number): PartitionPoint[] {
  const points: PartitionPoint[] = [];
  for (const sample of samples) {
    const offsets = sample.topics.get(topic)?.[partition];
    const group = sample.groups.get(groupId);
    if (!offsets || !group) continue;
    const committedOffset = group.committed.get(topic)?.get(partition);
    if (committedOffset === undefined) continue;
    const committed = committedOffset ?? offsets.start;
    points.push({ at: sample.at, committed, end: offsets.end, lag: Math.max(0, offsets.end - committed) });
  }
  return points;
}

/**
 * Status of one partition over the window, first match wins:
 * - lag reached zero at some sample → ok;
 * - the committed offset did not move and lag stayed above zero for at least
 *   `stallEvidenceMs` → stalled;
 * - lag never decreased from one sample to the next and grew overall → warning;
 * - otherwise ok (the consumer is working the lag down).
 */
export function partitionStatus(points: readonly PartitionPoint[], stallEvidenceMs: number): PartitionHealth['status'] {
  if (points.length === 0 || points.some((point) => point.lag === 0)) return 'ok';
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const committedMoved = points.some((point) => point.committed !== first.committed);
  if (!committedMoved && last.at - first.at >= stallEvidenceMs) return 'stalled';
  const neverDecreased = points.every((point, index) => index === 0 || point.lag >= points[index - 1]!.lag);
  if (points.length >= 2 && neverDecreased && last.lag > first.lag) return 'warning';
  return 'ok';
}

/**
 * How long ago the oldest record the group has not consumed was appended, estimated from
 * the end offsets seen in the samples (a table of when each offset was the log end, as
 * kafka-lag-exporter does): interpolated between the two samples around the committed
 * offset, extrapolated at the topic's append rate when it is older than every sample.
 */
export function lagSeconds(history: readonly OffsetSample[], topic: string, partition: number, committed: number, now: number): number {
  const ends = history
    .map((sample) => ({ at: sample.at, end: sample.topics.get(topic)?.[partition]?.end }))
    .filter((point): point is { at: number; end: number } => point.end !== undefined);
  const latest = ends[ends.length - 1];
  if (!latest || latest.end <= committed) return 0;
  const index = ends.findIndex((point) => point.end > committed);
  let appendedAt: number;
  if (index > 0) {
    const before = ends[index - 1]!;
    const after = ends[index]!;
    const fraction = (committed + 1 - before.end) / (after.end - before.end);
    appendedAt = before.at + Math.min(1, Math.max(0, fraction)) * (after.at - before.at);
  } else {
    const oldest = ends[0]!;
    const rate = latest.at > oldest.at ? (latest.end - oldest.end) / (latest.at - oldest.at) : 0;
    appendedAt = rate > 0 ? oldest.at - (oldest.end - committed) / rate : oldest.at;
  }
  return Math.max(0, Math.round((now - appendedAt) / 100) / 10);
}

export interface HealthSettings {
  windowMs: number;
  /** How long offsets must stand still, lag above zero, before a partition counts as stalled. */
  stallEvidenceMs: number;
}

/**
 * A consumer group's health from the retained samples (the newest is "now"). A group
 * with no active members (Empty or Dead) is stopped: no commit can come until a consumer
 * joins again. Otherwise its status is the worst of its partitions' over the window.
 */
export function groupHealth(history: readonly OffsetSample[], groupId: string, settings: HealthSettings): GroupHealth | undefined {
  const newest = history[history.length - 1];
  const current = newest?.groups.get(groupId);
  if (!newest || !current) return undefined;
  const window = inWindow(history, settings.windowMs);
  const partitions: PartitionHealth[] = [];
  let consumed = 0;
  let consumedSpan = 0;
  for (const [topic, committedByPartition] of [...current.committed].sort(([a], [b]) => a.localeCompare(b))) {
    for (const partition of [...committedByPartition.keys()].sort((a, b) => a - b)) {
      const points = partitionPoints(window, groupId, topic, partition);
      const last = points[points.length - 1];
      if (!last) continue;
      const first = points[0]!;
      consumed += last.committed - first.committed;
      consumedSpan = Math.max(consumedSpan, last.at - first.at);
      partitions.push({
        topic,
        partition,
        committedOffset: committedByPartition.get(partition) ?? null,
        endOffset: last.end,
        lag: last.lag,
        lagSeconds: last.lag === 0 ? 0 : lagSeconds(history, topic, partition, last.committed, newest.at),
        status: partitionStatus(points, settings.stallEvidenceMs),
      });
    }
  }
  const lag = partitions.reduce((sum, partition) => sum + partition.lag, 0);
  const stopped = current.state === 'Empty' || current.state === 'Dead' || current.members === 0;
  const status: GroupStatus = stopped ? 'stopped' : worstStatus(partitions.map((partition) => partition.status));
  return {
    groupId,
    state: current.state,
    members: current.members,
    status,
    statusReason: reasonFor(status, lag),
    lag,
    lagSeconds: partitions.reduce((max, partition) => Math.max(max, partition.lagSeconds), 0),
    messagesPerSecond: consumedSpan > 0 ? Math.max(0, consumed) / (consumedSpan / 1000) : 0,
    partitions,
  };
}

function reasonFor(status: GroupStatus, lag: number): string {
  switch (status) {
    case 'stopped':
      return lag > 0 ? `no active consumer; ${lag} records waiting` : 'no active consumer';
    case 'stalled':
      return 'committed offsets have not moved while records wait';
    case 'warning':
      return 'lag has only grown over the window';
    default:
      return lag === 0 ? 'caught up' : 'consuming; lag reached zero or is falling within the window';
  }
}
