import { HttpStatus, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HubApiEnvironment } from '../environment';
import { AssignerProtocol, type Admin } from 'kafkajs';
import { AccordError } from '@accord/platform';
import { DLQ_READER_GROUP_PREFIX, forEachLimited, OpsAdmin } from './ops-kafka';
import { OpsMetrics } from './ops.metrics';
import { groupHealth, inWindow, topicMessagesPerSecond, type GroupHealth, type GroupSample, type OffsetSample } from './topic-health';

/** Most samples kept: beyond it, older samples are thinned (the chart and lag in seconds lose resolution, not range). */
const MAX_SAMPLES = 720;

export class KafkaUnavailable extends AccordError {
  constructor() {
    super('kafka-unavailable', 'Kafka did not answer; topic health is not available', HttpStatus.SERVICE_UNAVAILABLE);
  }
}

export interface TopicView {
  topic: string;
  partitions: Array<{ partition: number; startOffset: number; endOffset: number }>;
  /** Records held now (end minus start offsets). */
  messages: number;
  /** Records appended per second over the window. */
  messagesPerSecond: number;
}

export interface SampledView {
  sampledAt: string;
  windowSeconds: number;
  /** True when Kafka did not answer just now and this is the last sample that succeeded. */
  stale: boolean;
}

export interface TimelinePoint {
  at: string;
  /** Records appended per second across all topics since the previous sample. */
  messagesPerSecond: number;
  /** Total lag of each consumer group at that moment. */
  lag: Record<string, number>;
}

/**
 * Samples end offsets of every topic and committed offsets of every consumer group every
 * OPS_SAMPLE_INTERVAL_MS, and on demand when asked with an older sample. Keeps
 * OPS_HISTORY_MINUTES of samples: the window gives rates and statuses, the history the
 * chart and lag in seconds.
 */
@Injectable()
export class TopicHealthService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TopicHealthService.name);
  private readonly settings: Pick<HubApiEnvironment, 'OPS_WINDOW_MS' | 'OPS_SAMPLE_INTERVAL_MS' | 'OPS_HISTORY_MINUTES'>;
  private readonly history: OffsetSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<OffsetSample> | undefined;
  private lastFailure: number | undefined;

  constructor(
    environment: HubApiEnvironment,
    private readonly admin: OpsAdmin,
    private readonly metrics: OpsMetrics,
  ) {
    this.settings = environment;
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sample().catch(() => undefined), this.settings.OPS_SAMPLE_INTERVAL_MS);
    this.timer.unref();
    void this.sample().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling?.catch(() => undefined);
  }

  async topics(): Promise<SampledView & { topics: TopicView[] }> {
    const { history, stale } = await this.current();
    const newest = history[history.length - 1]!;
    const window = inWindow(history, this.settings.OPS_WINDOW_MS);
    const topics = [...newest.topics]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([topic, partitions]) => ({
        topic,
        partitions: partitions.map((offsets, partition) => ({ partition, startOffset: offsets.start, endOffset: offsets.end })),
        messages: partitions.reduce((sum, offsets) => sum + (offsets.end - offsets.start), 0),
        messagesPerSecond: round(topicMessagesPerSecond(window, topic)),
      }));
    return { ...this.meta(newest, stale), topics };
  }

  async consumerGroups(): Promise<SampledView & { groups: GroupHealth[] }> {
    const { history, stale } = await this.current();
    const newest = history[history.length - 1]!;
    return { ...this.meta(newest, stale), groups: this.healthOf(history) };
  }

  /** The history as chart points: throughput and each group's lag per sample. */
  async timeline(minutes: number): Promise<SampledView & { intervalSeconds: number; points: TimelinePoint[] }> {
    const { history, stale } = await this.current();
    const newest = history[history.length - 1]!;
    const since = newest.at - minutes * 60_000;
    const points: TimelinePoint[] = [];
    history.forEach((sample, index) => {
      if (index === 0 || sample.at < since) return;
      const previous = history[index - 1]!;
      let appended = 0;
      for (const [topic, partitions] of sample.topics) {
        const before = previous.topics.get(topic);
        if (!before) continue;
        partitions.forEach((offsets, partition) => (appended += Math.max(0, offsets.end - (before[partition]?.end ?? offsets.end))));
      }
      const lag: Record<string, number> = {};
      for (const [groupId, group] of sample.groups) lag[groupId] = totalLag(sample, group);
      points.push({ at: new Date(sample.at).toISOString(), messagesPerSecond: round(appended / ((sample.at - previous.at) / 1000)), lag });
    });
    return { ...this.meta(newest, stale), intervalSeconds: this.settings.OPS_SAMPLE_INTERVAL_MS / 1000, points };
  }

  /** Samples now unless the newest sample is fresh enough; on failure the last good one is served, marked stale. */
  private async current(): Promise<{ history: OffsetSample[]; stale: boolean }> {
    const newest = this.history[this.history.length - 1];
    const freshFor = Math.min(1000, this.settings.OPS_SAMPLE_INTERVAL_MS);
    if (newest && Date.now() - newest.at < freshFor) return { history: this.history, stale: false };
    try {
      await this.sample();
      return { history: this.history, stale: false };
    } catch {
      if (this.history.length === 0) throw new KafkaUnavailable();
      return { history: this.history, stale: true };
    }
  }

  private sample(): Promise<OffsetSample> {
    this.sampling ??= this.takeSample()
      .then((sample) => {
        this.record(sample);
        return sample;
      })
      .catch((error: unknown) => {
        if (this.lastFailure === undefined) this.logger.warn({ err: error }, 'could not sample topic offsets; will retry');
        this.lastFailure = Date.now();
        throw error;
      })
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private record(sample: OffsetSample): void {
    if (this.lastFailure !== undefined) this.logger.log('sampling topic offsets again');
    this.lastFailure = undefined;
    this.history.push(sample);
    const keepSince = sample.at - Math.max(this.settings.OPS_HISTORY_MINUTES * 60_000, this.settings.OPS_WINDOW_MS);
    while (this.history.length > 1 && this.history[0]!.at < keepSince) this.history.shift();
    if (this.history.length > MAX_SAMPLES) this.thinOlderSamples(sample.at - this.settings.OPS_WINDOW_MS);
    const groups = this.healthOf(this.history);
    const window = inWindow(this.history, this.settings.OPS_WINDOW_MS);
    this.metrics.recordTopicHealth(
      [...sample.topics.keys()].map((topic) => ({ topic, messagesPerSecond: topicMessagesPerSecond(window, topic) })),
      groups,
    );
  }

  /** Bounds memory with a short interval and a long history: every other sample older than the window goes. */
  private thinOlderSamples(windowStart: number): void {
    let index = 1;
    while (index < this.history.length - 1 && this.history[index]!.at < windowStart) {
      this.history.splice(index, 1);
      index++;
    }
  }

  private healthOf(history: OffsetSample[]): GroupHealth[] {
    const newest = history[history.length - 1]!;
    const settings = { windowMs: this.settings.OPS_WINDOW_MS, stallEvidenceMs: this.settings.OPS_WINDOW_MS / 2 };
    return [...newest.groups.keys()]
      .sort()
      .map((groupId) => groupHealth(history, groupId, settings))
      .filter((group): group is GroupHealth => group !== undefined)
      .map((group) => ({
        ...group,
        messagesPerSecond: round(group.messagesPerSecond),
      }));
  }

  private meta(newest: OffsetSample, stale: boolean): SampledView {
    return { sampledAt: new Date(newest.at).toISOString(), windowSeconds: this.settings.OPS_WINDOW_MS / 1000, stale };
  }

  private async takeSample(): Promise<OffsetSample> {
    const names = await this.admin.use(async (admin) => (await admin.listTopics()).filter((topic) => !topic.startsWith('__')));
    const topics: OffsetSample['topics'] = new Map();
    let failed = await this.admin.use((admin) => topicOffsets(admin, names, topics));
    if (failed.length > 0) {
      // A topic deleted meanwhile poisons the admin's metadata requests: retry the failures once with a fresh one.
      await this.admin.reset();
      failed = await this.admin.use((admin) => topicOffsets(admin, failed, topics));
    }
    // Stamped once the end offsets are read: each record counted was appended by then.
    const at = Date.now();
    const groups = await this.admin.use((admin) => groupOffsets(admin, topics, this.history[this.history.length - 1]));
    return { at, topics, groups };
  }
}

/** Adds the offsets of `names` to `topics`; returns the topics it could not read (deleted meanwhile, usually). */
async function topicOffsets(admin: Admin, names: string[], topics: OffsetSample['topics']): Promise<string[]> {
  const failed: string[] = [];
  await forEachLimited(names, 8, async (topic) => {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      const partitions: Array<{ start: number; end: number }> = [];
      for (const entry of offsets) partitions[entry.partition] = { start: Number(entry.low), end: Number(entry.high) };
      topics.set(topic, partitions);
    } catch {
      failed.push(topic);
    }
  });
  return failed;
}

async function groupOffsets(admin: Admin, topics: OffsetSample['topics'], previous: OffsetSample | undefined): Promise<OffsetSample['groups']> {
  const listed = (await admin.listGroups()).groups
    .filter((group) => (group.protocolType === 'consumer' || group.protocolType === '') && !group.groupId.startsWith(DLQ_READER_GROUP_PREFIX))
    .map((group) => group.groupId);
  const groups: OffsetSample['groups'] = new Map();
  for (let index = 0; index < listed.length; index += 50) {
    const { groups: described } = await admin.describeGroups(listed.slice(index, index + 50));
    await forEachLimited(described, 8, async (description) => {
      const committed: GroupSample['committed'] = new Map();
      const fetched = await admin.fetchOffsets({ groupId: description.groupId }).catch(() => []);
      // Topics it commits on, is assigned, or was assigned before: a group whose consumers left
      // before their first commit still shows the records waiting for it.
      const relevant = new Set([...fetched.map((entry) => entry.topic), ...(previous?.groups.get(description.groupId)?.committed.keys() ?? [])]);
      for (const member of description.members) {
        try {
          const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          for (const topic of Object.keys(decoded?.assignment ?? {})) relevant.add(topic);
        } catch {
          // Not the standard consumer protocol: only its committed offsets count.
        }
      }
      for (const topic of relevant) {
        const partitions = topics.get(topic);
        if (!partitions) continue;
        const byPartition = new Map<number, number | null>();
        const found = fetched.find((entry) => entry.topic === topic)?.partitions ?? [];
        partitions.forEach((_, partition) => {
          const offset = found.find((entry) => entry.partition === partition)?.offset;
          byPartition.set(partition, offset === undefined || Number(offset) < 0 ? null : Number(offset));
        });
        committed.set(topic, byPartition);
      }
      groups.set(description.groupId, { state: description.state, members: description.members.length, committed });
    });
  }
  return groups;
}

function totalLag(sample: OffsetSample, group: GroupSample): number {
  let lag = 0;
  for (const [topic, partitions] of group.committed) {
    const offsets = sample.topics.get(topic);
    if (!offsets) continue;
    for (const [partition, committed] of partitions) {
      const partitionOffsets = offsets[partition];
      if (partitionOffsets) lag += Math.max(0, partitionOffsets.end - (committed ?? partitionOffsets.start));
    }
  }
  return lag;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
