import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './paths';

/** What to run and at what size. Every figure in the report repeats the settings it was measured with. */
export interface BenchConfig {
  /** Scales every size below that was not set explicitly (1 = the full benchmark of bench/README.md). */
  scale: number;
  phases: Set<Phase>;
  /** Which systems the throughput and latency phases measure (freshness needs the broker). */
  systems: Set<System>;
  kafkaBrokers: string[];
  /** A database the harness can create and drop its own `accord_bench*` databases from. */
  maintenanceUrl: string;
  /** Unique per run: topics, participants and consumer groups carry it. */
  runId: string;
  throughput: { events: number; partitions: number; consentShare: number; people: number };
  latency: { rate: number; seconds: number; warmUpSeconds: number };
  audit: { rows: number; database: string; queries: number; reuse: boolean };
  freshness: { people: number; rate: number; seconds: number };
  /** Delete this run's topics and consumer groups at the end (default yes). */
  /** Broker processes (members of one consumer group) the throughput, latency and freshness phases run. */
  brokerInstances: number;
  /** The in-process data path (no Kafka, no Postgres): events per round, rounds (the first warms up). */
  hotPath: { events: number; rounds: number };
  cleanup: boolean;
  resultsFile: string | undefined;
}

// The number npm start and docker-compose.yml run (scripts/lib/stack.js; by path, as bench/run.js runs this file from bench/.build).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFAULT_BROKER_INSTANCES } = require(join(REPOSITORY_ROOT, 'scripts/lib/stack.js')) as { DEFAULT_BROKER_INSTANCES: number };

export const PHASES = ['hotpath', 'throughput', 'latency', 'audit', 'freshness'] as const;
export type Phase = (typeof PHASES)[number];
export const SYSTEMS = ['passthrough', 'broker'] as const;
export type System = (typeof SYSTEMS)[number];

function number(environment: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = environment[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const atLeast = (minimum: number, value: number) => Math.max(minimum, Math.round(value));

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): BenchConfig {
  const scale = number(environment, 'BENCH_SCALE', 1);
  const phases = new Set(
    (environment.BENCH_PHASES ?? PHASES.join(','))
      .split(',')
      .map((phase) => phase.trim())
      .filter(Boolean),
  );
  for (const phase of phases) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`BENCH_PHASES: unknown phase ${phase}; known: ${PHASES.join(', ')}`);
  }
  const systems = new Set(
    (environment.BENCH_SYSTEMS ?? SYSTEMS.join(','))
      .split(',')
      .map((system) => system.trim())
      .filter(Boolean),
  );
  for (const system of systems) {
    if (!(SYSTEMS as readonly string[]).includes(system)) throw new Error(`BENCH_SYSTEMS: unknown system ${system}; known: ${SYSTEMS.join(', ')}`);
  }
  const events = atLeast(10, number(environment, 'BENCH_EVENTS', 500_000 * scale));
  const auditRows = atLeast(10, number(environment, 'BENCH_AUDIT_ROWS', 10_000_000 * scale));
  return {
    scale,
    phases: phases as Set<Phase>,
    systems: systems as Set<System>,
    kafkaBrokers: (environment.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    maintenanceUrl: environment.BENCH_MAINTENANCE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    runId: environment.BENCH_RUN_ID ?? `b${randomBytes(3).toString('hex')}`,
    throughput: {
      events,
      partitions: atLeast(1, number(environment, 'BENCH_PARTITIONS', 6)),
      consentShare: Math.min(1, number(environment, 'BENCH_CONSENT_SHARE', 0.2)),
      // About five events per person over the run, like a busy month of one council.
      people: atLeast(20, number(environment, 'BENCH_PEOPLE', events / 5)),
    },
    latency: {
      rate: atLeast(1, number(environment, 'BENCH_LATENCY_RATE', 1000)),
      seconds: atLeast(1, number(environment, 'BENCH_LATENCY_SECONDS', Math.max(5, 60 * scale))),
      warmUpSeconds: atLeast(0, number(environment, 'BENCH_LATENCY_WARMUP_SECONDS', Math.max(1, Math.round(10 * scale)))),
    },
    // As npm start runs the broker, unless told otherwise.
    brokerInstances: atLeast(1, number(environment, 'BENCH_BROKER_INSTANCES', Number(environment.BROKER_INSTANCES || DEFAULT_BROKER_INSTANCES))),
    hotPath: {
      events: atLeast(100, number(environment, 'BENCH_HOTPATH_EVENTS', 20_000 * scale)),
      rounds: atLeast(2, number(environment, 'BENCH_HOTPATH_ROUNDS', 4)),
    },
    audit: {
      rows: auditRows,
      database: environment.BENCH_AUDIT_DATABASE ?? `accord_bench_audit_${auditRows}`,
      queries: atLeast(5, number(environment, 'BENCH_AUDIT_QUERIES', 200)),
      reuse: environment.BENCH_AUDIT_REUSE !== '0',
    },
    freshness: {
      people: atLeast(1, number(environment, 'BENCH_FRESHNESS_PEOPLE', Math.max(5, 200 * Math.min(1, scale * 10)))),
      rate: atLeast(1, number(environment, 'BENCH_FRESHNESS_RATE', 200)),
      seconds: atLeast(1, number(environment, 'BENCH_FRESHNESS_SECONDS', Math.max(5, 30 * Math.min(1, scale * 10)))),
    },
    cleanup: environment.BENCH_KEEP_TOPICS !== '1',
    resultsFile: environment.BENCH_RESULTS_FILE,
  };
}
