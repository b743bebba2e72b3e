import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { subjectKeys } from '@accord/governance';
import { recordBytes } from '@accord/kafka';
import { measureAudit, type AuditResult } from './audit-bench';
import { ensureAuditDataset } from './audit-data';
import { batchSettings, type BatchSettings } from './batch-settings';
import type { BenchConfig } from './config';
import { createHubDatabase, dropDatabase, insertConsentStatements, seedGovernance } from './database';
import { measureFreshness, type FreshnessResult } from './freshness';
import { measureHotPath, type HotPathResult } from './hot-path';
import { benchKafka, createTopics, deleteGroups, deleteTopics, endOffsets, produceAll, publisher } from './kafka';
import { measureLatency, type LatencyResult } from './latency';
import { describeMachine, type MachineInfo } from './machine';
import { REPOSITORY_ROOT } from './paths';
import { onInterrupt, type Memory, type ProcessSet } from './processes';
import { progress, sleep } from './progress';
import {
  assertValid,
  BENCH_SUBJECT_KEY_SECRET,
  consentStatementsFor,
  createPerson,
  createScenario,
  EVENT_MIX,
  EventGenerator,
  type Person,
} from './scenario';
import { startBroker, startHubApi, startPassthroughProcess, type HubApi, type SystemUnderTest } from './systems';
import { measureDrain, waitCaughtUp, type DrainResult } from './throughput';

export interface BenchResults {
  benchmark: 'accord';
  formatVersion: 1;
  runId: string;
  startedAt: string;
  finishedAt?: string;
  scale: number;
  phases: string[];
  machine?: MachineInfo;
  settings: {
    batch: Omit<BatchSettings, 'brokerEnvironment'>;
    brokerProcess: string;
    passthroughProcess: string;
  };
  workload?: {
    events: number;
    sourceTopics: string[];
    partitionsPerTopic: number;
    people: number;
    peopleWithConsentStatements: number;
    consentStatements: number;
    meanRecordBytes: number;
    eventMix: typeof EVENT_MIX;
    agreements: string[];
  };
  hotPath?: HotPathResult;
  throughput?: {
    passthrough?: DrainResult;
    /** The passthrough's second drain of the same backlog, after the broker's: the ratio is taken against the mean of both. */
    passthroughAfter?: DrainResult;
    broker?: DrainResult & { decisionsWritten: number; inboxRecords: number };
    ratio?: number;
    target: number;
    goal: number;
  };
  latency?: { passthrough?: LatencyResult; broker?: LatencyResult; addedP99Ms?: number; target: number; goal: number };
  memory?: { broker?: ReturnType<ProcessSet['memory']> & { measuredDuring: string }; passthrough?: Memory & { measuredDuring: string }; targetMb: number; settings: string };
  audit?: AuditResult & { targets: { subjectQueryP95Ms: number; subjectReportP95Ms: number; exportRowsPerSecond: number; verifyRowsPerSecond: number } };
  freshness?: FreshnessResult & { target: number };
  errors: Array<{ phase: string; message: string }>;
}

const KAFKA_VERSION = (/<kafka\.version>([^<]+)</.exec(readFileSync(join(REPOSITORY_ROOT, 'infra/kafka/pom.xml'), 'utf8')) ?? [])[1] ?? 'unknown';

/** Runs the selected phases; a failing phase is recorded in `errors` and the others still run. */
export async function runBench(config: BenchConfig): Promise<BenchResults> {
  const settings = batchSettings();
  const { brokerEnvironment: _brokerEnvironment, ...batch } = settings;
  const results: BenchResults = {
    benchmark: 'accord',
    formatVersion: 1,
    runId: config.runId,
    startedAt: new Date().toISOString(),
    scale: config.scale,
    phases: [...config.phases],
    settings: {
      batch,
      brokerProcess: `node bench/run.js apps/sharing-broker/src/main.ts (own process${config.brokerInstances > 1 ? `, ${config.brokerInstances} instances in one consumer group` : ''}; LOG_LEVEL=warn)`,
      passthroughProcess: 'node bench/run.js bench/src/passthrough-main.ts (own process)',
    },
    errors: [],
  };
  if (config.phases.has('hotpath')) {
    progress(`hot path: ${config.hotPath.events.toLocaleString('en-GB')} events × ${config.hotPath.rounds} rounds in this process (no Kafka, no Postgres)`);
    results.hotPath = measureHotPath(config.hotPath);
  }
  const kafka = benchKafka(config.kafkaBrokers, `accord-bench-${config.runId}`);
  const admin = kafka.admin();
  await admin.connect();
  const scenario = createScenario(config.runId);
  const passthroughTopic = `accord.bench.${config.runId}.passthrough`;
  const groups = {
    broker: `accord-sharing-broker-bench-${config.runId}`,
    passthrough: `accord-bench-${config.runId}-passthrough`,
    passthroughAfter: `accord-bench-${config.runId}-passthrough-after`,
    latencyBroker: `accord-sharing-broker-bench-${config.runId}-latency`,
    latencyPassthrough: `accord-bench-${config.runId}-latency-passthrough`,
  };
  const runDatabase = `accord_bench_run_${config.runId}`;
  let dataSource: DataSource | undefined;
  let runDatabaseUrl = '';
  let producer: Producer | undefined;
  const running: SystemUnderTest[] = [];
  let cleanedUp = false;
  /** Deletes exactly this run's topics, consumer groups and run database (the audit dataset stays for reuse). */
  const cleanup = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    if (!config.cleanup) {
      progress(`cleanup skipped (BENCH_KEEP_TOPICS=1): topics accord.*.${config.runId}-*, database ${runDatabase}`);
      return;
    }
    progress('cleanup: deleting this run’s topics, consumer groups and run database');
    await deleteGroups(admin, Object.values(groups)).catch(() => undefined);
    await deleteTopics(admin, [...scenario.sourceTopics, ...scenario.inboxTopics, passthroughTopic]).catch((error) =>
      progress(`cleanup: could not delete topics: ${error instanceof Error ? error.message : error}`),
    );
    await dropDatabase(config.maintenanceUrl, runDatabase).catch(() => undefined);
  };
  const unregister = onInterrupt(async () => {
    await dataSource?.destroy().catch(() => undefined);
    await cleanup();
  });
  const stopSystem = async (system: SystemUnderTest) => {
    await system.stop();
    running.splice(running.indexOf(system), 1);
  };
  const attempt = async (phase: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      progress(`${phase} FAILED: ${message}`);
      results.errors.push({ phase, message });
    }
  };

  try {
    results.machine = await describeMachine(admin, config.maintenanceUrl, KAFKA_VERSION);
    progress(`run ${config.runId}: phases ${[...config.phases].join(', ')}, scale ${config.scale}; load average ${results.machine.loadAverageAtStart.join(' ')}`);
    const streaming = config.phases.has('throughput') || config.phases.has('latency') || config.phases.has('freshness');

    if (streaming) {
      const people = Array.from({ length: config.throughput.people }, (_, index) => createPerson(index));
      const generator = new EventGenerator(scenario, people, 1);
      assertValid(Array.from({ length: 300 }, () => generator.next()));

      progress(`setup: database ${runDatabase}, ${scenario.sourceTopics.length} source topics × ${config.throughput.partitions} partitions, ${scenario.inboxTopics.length} inbox topics`);
      const database = await createHubDatabase(config.maintenanceUrl, runDatabase);
      dataSource = database.dataSource;
      runDatabaseUrl = database.url;
      await seedGovernance(dataSource, scenario);
      const consent = consentStatementsFor(people, config.throughput.consentShare, scenario, BENCH_SUBJECT_KEY_SECRET);
      await insertConsentStatements(dataSource, consent);
      await createTopics(admin, scenario.sourceTopics, config.throughput.partitions);
      // The systems' output topics: the latency run stops each event's clock at its output record's append time.
      await createTopics(admin, [...scenario.inboxTopics, passthroughTopic], config.throughput.partitions, 'append');
      producer = await publisher(kafka);

      let sampledBytes = 0;
      const sample = Array.from({ length: 2000 }, () => generator.next());
      for (const event of sample) sampledBytes += recordBytes(event.record);
      results.workload = {
        events: config.phases.has('throughput') ? config.throughput.events : 0,
        sourceTopics: scenario.sourceTopics,
        partitionsPerTopic: config.throughput.partitions,
        people: people.length,
        peopleWithConsentStatements: new Set(consent.map((row) => row.nhsKey)).size,
        consentStatements: consent.length,
        meanRecordBytes: Math.round(sampledBytes / sample.length),
        eventMix: EVENT_MIX,
        agreements: scenario.agreements.map((agreement) => agreement.id),
      };

      const brokerOptions = {
        runId: config.runId,
        databaseUrl: database.url,
        kafkaBrokers: config.kafkaBrokers,
        groupId: groups.broker,
        topicPattern: `^accord\\.events\\.${config.runId}-`,
        inboxTopics: scenario.inboxTopics,
        settings,
        instances: config.brokerInstances,
      };
      const passthroughOptions = {
        runId: config.runId,
        kafkaBrokers: config.kafkaBrokers,
        groupId: groups.passthrough,
        sourceTopics: scenario.sourceTopics,
        outputTopic: passthroughTopic,
        settings,
      };
      results.memory = {
        targetMb: 300,
        settings: `heap growth ${settings.brokerHeapGrowthPercent} % (BROKER_HEAP_GROWTH_PERCENT), ${settings.maxBytesInFlight} bytes in flight`,
      };

      const measures = (system: 'broker' | 'passthrough') => config.systems.has(system);
      if (config.phases.has('throughput')) {
        await attempt('throughput', async () => {
          const total = config.throughput.events;
          progress(`throughput: publishing ${total.toLocaleString('en-GB')} events (mean ${results.workload!.meanRecordBytes} B) to the source topics`);
          await produceAll(producer!, (function* () {
            for (let index = 0; index < total; index++) {
              const event = generator.next();
              yield { topic: event.topic, message: event.record };
            }
          })(), total, 'throughput');
          const target = await endOffsets(admin, scenario.sourceTopics);
          results.throughput = { target: 0.5, goal: 0.7 };

          if (measures('passthrough')) {
            progress('throughput: passthrough draining the backlog');
            const startedAt = Date.now();
            const passthrough = await startPassthroughProcess(passthroughOptions);
            running.push(passthrough);
            results.throughput.passthrough = await measureDrain(admin, passthrough, scenario.sourceTopics, target, startedAt);
            results.memory!.passthrough = { ...passthrough.app.memory(), measuredDuring: 'process life up to the end of its throughput run' };
            await stopSystem(passthrough);
          }

          if (measures('broker')) {
            progress('throughput: broker draining the same backlog');
            const startedAt = Date.now();
            const broker = await startBroker(brokerOptions);
            running.push(broker);
            const drain = await measureDrain(admin, broker, scenario.sourceTopics, target, startedAt);
            results.memory!.broker = { ...broker.app.memory(), measuredDuring: 'process life up to the end of its throughput run (start-up included)' };
            const [{ count }] = await dataSource!.query('SELECT count(*)::int AS count FROM decisions');
            results.throughput.broker = { ...drain, decisionsWritten: count, inboxRecords: await endOffsets(admin, scenario.inboxTopics) };
            progress(`throughput: broker peak RSS ${results.memory!.broker.peakRssMb} MB`);
          }
          if (results.throughput.broker && results.throughput.passthrough) {
            // The passthrough drains again after the broker (a new group over the same
            // backlog): its rate swings by ±15 % between runs on this kind of machine, and
            // two drains either side of the broker's average out drift during the phase.
            progress('throughput: passthrough draining the backlog again, after the broker');
            const startedAt = Date.now();
            const again = await startPassthroughProcess({ ...passthroughOptions, groupId: groups.passthroughAfter });
            running.push(again);
            results.throughput.passthroughAfter = await measureDrain(admin, again, scenario.sourceTopics, target, startedAt);
            await stopSystem(again);
            const baseline = (results.throughput.passthrough.eventsPerSecond + results.throughput.passthroughAfter.eventsPerSecond) / 2;
            results.throughput.ratio = round(results.throughput.broker.eventsPerSecond / baseline, 3);
            progress(`throughput: ratio broker / passthrough ${results.throughput.ratio}`);
          }
        });
      }

      if (measures('broker') && (config.phases.has('latency') || config.phases.has('freshness'))) {
        await attempt('latency/freshness (broker)', async () => {
          let broker = running.find((system) => system.kind === 'broker');
          if (!broker) {
            broker = await startBroker(brokerOptions);
            running.push(broker);
          }
          await waitCaughtUp(admin, broker, scenario.sourceTopics, () => endOffsets(admin, scenario.sourceTopics));
          if (config.phases.has('latency')) {
            await attempt('latency (broker)', async () => {
              const result = await measureLatency({
                kafka, admin, producer: producer!, system: broker!, sourceTopics: scenario.sourceTopics,
                next: () => generator.next(), rate: config.latency.rate, seconds: config.latency.seconds, warmUpSeconds: config.latency.warmUpSeconds, groupId: groups.latencyBroker,
              });
              results.latency = { ...results.latency, broker: result, target: 50, goal: 20 };
            });
          }
          if (config.phases.has('freshness')) {
            await attempt('freshness', async () => {
              const hub = await startHubApi({ name: `${config.runId}-hub-api-consents`, databaseUrl: runDatabaseUrl, kafkaBrokers: config.kafkaBrokers }).catch((error) => {
                progress(`freshness: hub-api did not start (${error instanceof Error ? error.message.split('\n')[0] : error}); recording withdrawals in the table directly`);
                return undefined;
              });
              try {
                const withdrawal = await withdrawalRecorder(hub, dataSource!);
                const result = await measureFreshness({
                  admin, producer: producer!, dataSource: dataSource!, system: broker!, sourceTopics: scenario.sourceTopics, generator,
                  people: config.freshness.people, rate: config.freshness.rate, seconds: config.freshness.seconds, withdrawal,
                });
                results.freshness = { ...result, target: 0 };
              } finally {
                await hub?.stop();
              }
            });
          }
          results.memory!.broker ??= { ...broker.app.memory(), measuredDuring: 'process life up to the end of the latency and freshness runs' };
          await stopSystem(broker);
        });
      } else if (config.phases.has('freshness')) {
        results.errors.push({ phase: 'freshness', message: 'needs the broker: BENCH_SYSTEMS must include broker' });
      }

      if (measures('passthrough') && config.phases.has('latency')) {
        await attempt('latency (passthrough)', async () => {
          const passthrough = await startPassthroughProcess(passthroughOptions);
          running.push(passthrough);
          // It first copies whatever was published since its throughput run, then idles.
          await waitCaughtUp(admin, passthrough, scenario.sourceTopics, () => endOffsets(admin, scenario.sourceTopics));
          await sleep(1000);
          const result = await measureLatency({
            kafka, admin, producer: producer!, system: passthrough, sourceTopics: scenario.sourceTopics,
            next: () => generator.next(), rate: config.latency.rate, seconds: config.latency.seconds, warmUpSeconds: config.latency.warmUpSeconds, groupId: groups.latencyPassthrough,
          });
          results.latency = { ...results.latency, passthrough: result, target: 50, goal: 20 };
          results.memory!.passthrough ??= { ...passthrough.app.memory(), measuredDuring: 'process life up to the end of its latency run' };
          await stopSystem(passthrough);
        });
      }
      if (results.latency?.broker && results.latency.passthrough) {
        results.latency.addedP99Ms = round(results.latency.broker.latencyMs.p99 - results.latency.passthrough.latencyMs.p99, 1);
      }
    }

    if (config.phases.has('audit')) {
      await attempt('audit', async () => {
        const dataset = await ensureAuditDataset({
          maintenanceUrl: config.maintenanceUrl,
          database: config.audit.database,
          rows: config.audit.rows,
          secret: BENCH_SUBJECT_KEY_SECRET,
          reuse: config.audit.reuse,
        });
        const audit = await measureAudit({ runId: config.runId, dataset, kafkaBrokers: config.kafkaBrokers, subjectKeySecret: BENCH_SUBJECT_KEY_SECRET, queries: config.audit.queries });
        results.audit = { ...audit, targets: { subjectQueryP95Ms: 50, subjectReportP95Ms: 50, exportRowsPerSecond: 50_000, verifyRowsPerSecond: 100_000 } };
      });
    }
  } finally {
    for (const system of running) await system.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await dataSource?.destroy().catch(() => undefined);
    unregister();
    await cleanup();
    await admin.disconnect().catch(() => undefined);
    results.finishedAt = new Date().toISOString();
  }
  return results;
}

/**
 * How the freshness run records a withdrawal: through hub-api's consent API when it is
 * there (resolving when the response arrives, i.e. after the commit), otherwise with the
 * INSERT hub-api would make.
 */
async function withdrawalRecorder(hub: HubApi | undefined, dataSource: DataSource): Promise<{ method: string; record(person: Person): Promise<void> }> {
  if (hub) {
    const post = (body: unknown) =>
      fetch(`${hub.url}/v1/consents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const probe = await post({});
    if (probe.status !== 404) {
      return {
        method: 'POST /v1/consents on hub-api (its own process); committed = response received',
        async record(person) {
          const response = await post({
            subject: { nhsNumber: person.nhsNumber, niNumber: person.niNumber },
            kind: 'withdraw',
            recordedBy: 'benchmark',
            evidence: 'consent freshness run',
          });
          if (response.status !== 201 && response.status !== 200) throw new Error(`POST /v1/consents → ${response.status}: ${await response.text()}`);
        },
      };
    }
    progress('freshness: hub-api has no POST /v1/consents; recording withdrawals in the table directly');
  }
  return {
    method: 'INSERT into consent_statements (hub-api consent API unavailable); committed = INSERT returned',
    async record(person) {
      const keys = subjectKeys({ nhsNumber: person.nhsNumber, niNumber: person.niNumber }, BENCH_SUBJECT_KEY_SECRET);
      await dataSource.query(
        `INSERT INTO consent_statements (id, nhs_key, ni_key, kind, effective_from, recorded_by, evidence)
         VALUES ($1, $2, $3, 'withdraw', now(), 'benchmark', 'consent freshness run')`,
        [randomUUID(), keys.nhsNumber, keys.niNumber],
      );
    },
  };
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
