import { performance } from 'node:perf_hooks';
import { ConfigResourceTypes, type Admin, type Kafka, type Message, type Producer } from 'kafkajs';
import { cpuUse, readCpu, type CpuSnapshot, type CpuUse } from './cpu';
import { APPEND_TIMESTAMPS, committedOffsets, endOffsets } from './kafka';
import { summarise, rounded, type Summary } from './percentiles';
import { progress, sleep, throttled } from './progress';
import type { GeneratedEvent } from './scenario';
import { readStageHistograms, stagesBetween, type StageSummary } from './stages';
import type { SystemUnderTest } from './systems';

export interface LatencyResult {
  rate: number;
  seconds: number;
  /** Seconds published at the same rate before the measured ones, and their latency (not in the figures above or below). */
  warmUpSeconds: number;
  warmUpMs: Summary;
  published: number;
  /**
   * Publish → record appended to the output topic, ms, one sample per output record: the
   * record's Kafka timestamp, which Kafka sets when it appends it (the output topics are
   * created with LogAppendTime). Wall clock, ms resolution.
   */
  latencyMs: Summary;
  /** Published events with no output record (withheld by the broker, or lost). */
  eventsWithoutOutput: number;
  /** How far the publisher fell behind its schedule at worst, ms (a large value means the harness, not the system, was the limit). */
  maxScheduleLagMs: number;
  /** The broker's batches in the measured seconds, stage by stage (its accord_broker_batch_stage_seconds); absent for the passthrough. */
  stages?: Record<string, StageSummary>;
  /**
   * The machine's CPU, and each part's, over the measured seconds of publishing, per event
   * published: what handling a steady 1,000 events/s costs, where the throughput run
   * measures a backlog (small batches cost more per event).
   */
  machineCpu: CpuUse;
}

const TICK_MS = 1;

/**
 * Publishes at a fixed rate and times each record from its publish to its arrival in the
 * output topics: the time Kafka appended it there, which its timestamp carries (the output
 * topics use LogAppendTime; this checks that first). The consumer here only collects those
 * timestamps, so it fetches lazily: a consumer fetching each record as it arrives cost a
 * quarter of the machine at 1,000 events/s, which the system under test then lacked
 * (bench/RESULTS.md, twelfth run), and it stopped the clock at its own fetch, not at the
 * arrival. Kafka's clock and this one are the same machine's wall clock.
 *
 * Each event's clock starts at its scheduled send time, not when the send actually
 * happened, so a stall of the harness or of Kafka counts against the system instead of
 * hiding (no coordinated omission). The publisher sends whatever is due as soon as it is
 * due (one request per timer tick, ~1 ms), like a relay publishing as events happen.
 */
export async function measureLatency(options: {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  system: SystemUnderTest;
  sourceTopics: string[];
  next: () => GeneratedEvent;
  rate: number;
  seconds: number;
  /** Published first, at the same rate, and timed apart: a process that has just started compiles its code on the first events. */
  warmUpSeconds: number;
  groupId: string;
}): Promise<LatencyResult> {
  const { system, rate, seconds, warmUpSeconds } = options;
  const scheduled = new Map<string, number>();
  const warmUpIds = new Set<string>();
  const warmUp: number[] = [];
  const received = new Set<string>();
  const samples: number[] = [];
  // performance.now() → wall clock, to compare with the output records' timestamps.
  const origin = performance.timeOrigin;

  await assertAppendTimestamps(options.admin, system.outputTopics);
  // Fetches return after 500 ms or 256 KB: the samples come from the records' append times, not from when they are read.
  const consumer = options.kafka.consumer({ groupId: options.groupId, minBytes: 256 * 1024, maxWaitTimeInMs: 500, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics: system.outputTopics, fromBeginning: false });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  // No offset commit (a fresh group reading from the end needs none) and every partition's batch taken at once.
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 64,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const id = message.headers?.ce_id?.toString();
        const sentAt = id === undefined ? undefined : scheduled.get(id);
        if (sentAt === undefined) continue; // not this phase's event
        const latency = Number(message.timestamp) - origin - sentAt;
        if (warmUpIds.has(id!)) {
          warmUp.push(latency);
          continue;
        }
        samples.push(latency);
        received.add(id!);
      }
    },
  });
  await joined;
  // Partitions without a committed offset start at the log end on their first fetch: give that fetch time to happen.
  await sleep(2000);

  const warmUpCount = Math.round(rate * warmUpSeconds);
  const total = warmUpCount + Math.round(rate * seconds);
  const report = throttled(5000);
  const start = performance.now();
  let sent = 0;
  let maxScheduleLagMs = 0;
  // The broker's stage histograms when the measured seconds begin and after they end; a failed read leaves the stages out.
  const scrapeStages = () =>
    system.metricsUrls
      ? readStageHistograms(system.metricsUrls).catch((error: unknown) => {
          progress(`${system.kind} latency: could not read the stage histograms: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        })
      : Promise.resolve(undefined);
  let stagesBefore = warmUpCount === 0 ? scrapeStages() : undefined;
  const readCpuNow = () => ({ at: performance.now(), cpu: readCpu(system.app.pids) });
  let cpuBefore: { at: number; cpu: CpuSnapshot } | undefined = warmUpCount === 0 ? readCpuNow() : undefined;
  progress(`${system.kind} latency: publishing ${total.toLocaleString('en-GB')} events at ${rate}/s for ${warmUpSeconds} s of warm-up and ${seconds} s measured`);
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    // The measured seconds begin (a batch of the warm-up finishing now counts; a guide). Not
    // awaited here: the publisher must not fall behind its schedule for a scrape.
    if (sent < warmUpCount && due >= warmUpCount) {
      stagesBefore = scrapeStages();
      cpuBefore = readCpuNow();
    }
    if (due > sent) {
      maxScheduleLagMs = Math.max(maxScheduleLagMs, now - (start + (sent / rate) * 1000));
      const byTopic = new Map<string, Message[]>();
      for (let index = sent; index < due; index++) {
        const event = options.next();
        scheduled.set(event.id, start + (index / rate) * 1000);
        if (index < warmUpCount) warmUpIds.add(event.id);
        const list = byTopic.get(event.topic) ?? [];
        list.push(event.record);
        byTopic.set(event.topic, list);
      }
      sent = due;
      await options.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      report(() => `${system.kind} latency: ${sent.toLocaleString('en-GB')} / ${total.toLocaleString('en-GB')} published, ${samples.length.toLocaleString('en-GB')} received`);
    }
    // The next event is due at start + sent/rate; sleep until then (at least a timer tick), or go on if already late.
    const wait = start + (sent / rate) * 1000 - performance.now();
    await sleep(wait > 0 ? Math.max(wait, TICK_MS) : 0);
  }

  const cpuAfter = readCpuNow();
  const machineCpu = cpuUse(cpuBefore!.cpu, cpuAfter.cpu, total - warmUpCount, (cpuAfter.at - cpuBefore!.at) / 1000);

  // Done when the system committed everything and the output has been quiet for a second.
  const target = await endOffsets(options.admin, options.sourceTopics);
  const deadline = Date.now() + 5 * 60_000;
  while ((await committedOffsets(options.admin, system.groupId, options.sourceTopics)) < target) {
    system.app.assertRunning();
    if (Date.now() > deadline) throw new Error(`${system.kind} did not catch up after the latency run`);
    await sleep(100);
  }
  // Quiet for longer than a fetch waits.
  let count = -1;
  while (count !== samples.length) {
    count = samples.length;
    await sleep(2000);
  }
  await consumer.disconnect();
  const [stagesAtStart, stagesAtEnd] = await Promise.all([stagesBefore, scrapeStages()]);
  const result: LatencyResult = {
    rate,
    seconds,
    warmUpSeconds,
    warmUpMs: rounded(summarise(warmUp)),
    published: total - warmUpCount,
    latencyMs: rounded(summarise(samples)),
    eventsWithoutOutput: total - warmUpCount - received.size,
    maxScheduleLagMs: Math.round(maxScheduleLagMs),
    ...(stagesAtStart && stagesAtEnd ? { stages: stagesBetween(stagesAtStart, stagesAtEnd) } : {}),
    machineCpu,
  };
  progress(`${system.kind} latency: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms over ${result.latencyMs.count} records`);
  return result;
}

/** Refuses output topics whose records carry their producer's time: the samples would stop the clock at the system's send, not at the arrival. */
async function assertAppendTimestamps(admin: Admin, topics: string[]): Promise<void> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [APPEND_TIMESTAMPS.name] })),
  });
  const others = resources.filter((resource) => resource.configEntries.find((entry) => entry.configName === APPEND_TIMESTAMPS.name)?.configValue !== APPEND_TIMESTAMPS.value);
  if (others.length > 0) throw new Error(`output topics without ${APPEND_TIMESTAMPS.value} timestamps: ${others.map((resource) => resource.resourceName).join(', ')}`);
}
