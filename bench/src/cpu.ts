import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of the whole machine and of the parts of the hub, read from /proc, so that a
 * drain can be charged everything it made the machine do: the system under test's own
 * process, Postgres (every backend, the WAL writer, the checkpointer), Kafka (its JVM) and
 * the harness. Clock ticks of 1/100 s (USER_HZ, which Linux fixes at 100 for /proc).
 */
export interface CpuReading {
  /** Busy seconds of the whole machine: every CPU's time except idle and I/O wait. */
  machine: number;
  system: number;
  postgres: number;
  kafka: number;
  harness: number;
}

/** A reading, with the CPU seconds of each Postgres and Kafka process by pid (backends come and go). */
export interface CpuSnapshot extends CpuReading {
  byPid: { postgres: Map<number, number>; kafka: Map<number, number> };
}

/** Seconds of each part between two readings, and microseconds per event when `events` is given. */
export interface CpuUse {
  seconds: CpuReading;
  /** Machine CPU per event, and each part's, in µs. */
  microsecondsPerEvent: CpuReading;
  /** Mean cores busy over the window (machine and parts). */
  cores: CpuReading;
}

const TICKS_PER_SECOND = 100;

/** Reads the machine and the parts now. `systemPids` are the processes of the system under test. */
export function readCpu(systemPids: readonly number[]): CpuSnapshot {
  const byPid = { postgres: new Map<number, number>(), kafka: new Map<number, number>() };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const stat = processStat(pid);
    if (!stat) continue;
    if (stat.command === 'postgres') byPid.postgres.set(pid, stat.seconds);
    else if (stat.command === 'java' && isKafka(pid)) byPid.kafka.set(pid, stat.seconds);
  }
  const sum = (values: Map<number, number>) => [...values.values()].reduce((total, value) => total + value, 0);
  return {
    machine: machineBusySeconds(),
    system: systemPids.reduce((total, pid) => total + (processStat(pid)?.seconds ?? 0), 0),
    postgres: sum(byPid.postgres),
    kafka: sum(byPid.kafka),
    harness: processStat(process.pid)?.seconds ?? 0,
    byPid,
  };
}

/**
 * What was used between `before` and `after` over `events` events and `wallSeconds`. A
 * Postgres or Kafka process counts from `before` when it was there, from its start when
 * it began meanwhile; one that ended in the window is not counted (a backend of a client
 * that disconnected: a slight undercount, never a negative).
 */
export function cpuUse(before: CpuSnapshot, after: CpuSnapshot, events: number, wallSeconds: number): CpuUse {
  const parts = ['machine', 'system', 'postgres', 'kafka', 'harness'] as const;
  const map = (f: (part: (typeof parts)[number]) => number) => Object.fromEntries(parts.map((part) => [part, f(part)])) as unknown as CpuReading;
  const grown = (part: 'postgres' | 'kafka') =>
    [...after.byPid[part]].reduce((total, [pid, seconds]) => total + seconds - (before.byPid[part].get(pid) ?? 0), 0);
  const seconds = map((part) => round(part === 'postgres' || part === 'kafka' ? grown(part) : after[part] - before[part], 2));
  return {
    seconds,
    microsecondsPerEvent: map((part) => (events > 0 ? round((seconds[part] * 1e6) / events, 1) : Number.NaN)),
    cores: map((part) => (wallSeconds > 0 ? round(seconds[part] / wallSeconds, 2) : Number.NaN)),
  };
}

/** The first line of /proc/stat: user nice system idle iowait irq softirq steal (guest time is inside user). */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
}

/** The command name and the CPU seconds (user + system) of a process, or undefined when it is gone. */
function processStat(pid: number): { command: string; seconds: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(close + 2).split(' ');
    return { command: stat.slice(open + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; NaN when it is gone. */
export function processCpuSeconds(pid: number): number {
  return processStat(pid)?.seconds ?? Number.NaN;
}

const kafkaPids = new Map<number, boolean>();

/** A JVM running Kafka's server (its main class `kafka.Kafka`); remembered per pid. */
function isKafka(pid: number): boolean {
  let known = kafkaPids.get(pid);
  if (known === undefined) {
    try {
      known = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
    } catch {
      known = false;
    }
    kafkaPids.set(pid, known);
  }
  return known;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
