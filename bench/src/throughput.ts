import type { Admin } from 'kafkajs';
import { cpuUse, readCpu, type CpuSnapshot, type CpuUse } from './cpu';
import { committedOffsets } from './kafka';
import { progress, sleep, throttled } from './progress';
import type { SystemUnderTest } from './systems';

export interface DrainResult {
  events: number;
  /** Records per second between the first and the last observed commit: the steady rate, start-up excluded. */
  eventsPerSecond: number;
  /** Records per second from process start to the last commit, start-up (boot, group join) included. */
  eventsPerSecondWithStartup: number;
  /** Records committed in the window the steady rate is computed over. */
  measuredEvents: number;
  measuredSeconds: number;
  startupSeconds: number;
  /** CPU seconds the process used in the measured window, and records per CPU second: less sensitive to other load on the machine. */
  cpuSeconds: number;
  eventsPerCpuSecond: number;
  /** What the whole machine and each part of it (this system, Postgres, Kafka, the harness) spent in the window, per event too. */
  machineCpu: CpuUse;
}

/**
 * Measures how fast a system drains a pre-loaded backlog, observed from outside in the
 * same way for the broker and the passthrough: the consumer group's committed offsets on
 * the source topics, polled every `pollMs`. Both commit a batch only after its output was
 * produced (and, for the broker, its decisions written), so a committed record is a fully
 * handled one. The rate is taken from the first poll that sees progress to the poll that
 * sees everything committed, which leaves out process start and the group join.
 */
export async function measureDrain(
  admin: Admin,
  system: SystemUnderTest,
  sourceTopics: string[],
  target: number,
  startedAt: number,
  options: { pollMs?: number; timeoutMs?: number } = {},
): Promise<DrainResult> {
  const pollMs = options.pollMs ?? 200;
  const deadline = Date.now() + (options.timeoutMs ?? 60 * 60 * 1000);
  const report = throttled(3000);
  let first: { time: number; committed: number; cpu: number; machine: CpuSnapshot } | undefined;
  let last = { time: Date.now(), committed: 0 };
  let stalledSince = Date.now();
  for (;;) {
    system.app.assertRunning();
    const committed = await committedOffsets(admin, system.groupId, sourceTopics);
    const time = Date.now();
    if (committed > last.committed) stalledSince = time;
    if (committed > 0 && !first) first = { time, committed, cpu: system.app.cpuSeconds(), machine: readCpu(system.app.pids) };
    last = { time, committed };
    report(() => {
      const rate = first && time > first.time ? Math.round((committed - first.committed) / ((time - first.time) / 1000)) : 0;
      return `${system.kind}: ${committed.toLocaleString('en-GB')} / ${target.toLocaleString('en-GB')} committed (${rate.toLocaleString('en-GB')}/s)`;
    });
    if (committed >= target) break;
    if (time > deadline) throw new Error(`${system.kind} did not finish within the timeout: ${committed} of ${target} committed`);
    if (first && time - stalledSince > 120_000) throw new Error(`${system.kind} made no progress for 2 minutes at ${committed} of ${target}:\n${system.app.tail()}`);
    await sleep(pollMs);
  }
  const cpuSeconds = Number((system.app.cpuSeconds() - first!.cpu).toFixed(2));
  const measuredEvents = last.committed - first!.committed;
  const measuredSeconds = (last.time - first!.time) / 1000;
  const machineCpu = cpuUse(first!.machine, readCpu(system.app.pids), measuredEvents, measuredSeconds);
  const result: DrainResult = {
    events: last.committed,
    // A backlog drained within one poll interval has no window: fall back to the whole run.
    eventsPerSecond: round1(measuredSeconds > 0 && measuredEvents > 0 ? measuredEvents / measuredSeconds : last.committed / ((last.time - startedAt) / 1000)),
    eventsPerSecondWithStartup: round1(last.committed / ((last.time - startedAt) / 1000)),
    measuredEvents,
    measuredSeconds,
    startupSeconds: (first!.time - startedAt) / 1000,
    cpuSeconds,
    eventsPerCpuSecond: cpuSeconds > 0 ? Math.round(measuredEvents / cpuSeconds) : Number.NaN,
    machineCpu,
  };
  progress(`${system.kind}: drained ${result.events.toLocaleString('en-GB')} records at ${Math.round(result.eventsPerSecond).toLocaleString('en-GB')}/s`);
  return result;
}

/** Waits until the group has committed everything currently on the topics (caught up). */
export async function waitCaughtUp(admin: Admin, system: SystemUnderTest, sourceTopics: string[], endOffset: () => Promise<number>, timeoutMs = 10 * 60 * 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const target = await endOffset();
  for (;;) {
    system.app.assertRunning();
    if ((await committedOffsets(admin, system.groupId, sourceTopics)) >= target) return;
    if (Date.now() > deadline) throw new Error(`${system.kind} did not catch up within ${timeoutMs} ms`);
    await sleep(200);
  }
}

const round1 = (value: number) => Math.round(value * 10) / 10;
