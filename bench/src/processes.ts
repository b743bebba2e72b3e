import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processCpuSeconds } from './cpu';
import { REPOSITORY_ROOT } from './paths';
import { progress, sleep } from './progress';

export const LOG_DIRECTORY = join(REPOSITORY_ROOT, 'bench/results/logs');

export interface Memory {
  /** Peak resident set size over the process's life (VmHWM), MB. */
  peakRssMb: number;
  /** Highest VmRSS seen by the sampler, MB (a check on VmHWM). */
  sampledPeakRssMb: number;
  /** The last VmRSS sample, MB. */
  lastRssMb: number;
  samples: number;
}

const live = new Set<ChildApp>();

/** Ends every child still running (by its own pid): on exit or interrupt of the harness, nothing is left behind. */
export function killChildren(): void {
  for (const child of live) child.kill();
}
process.once('exit', killChildren);

const interruptHandlers = new Set<() => Promise<void>>();

/** Registers cleanup to run if the harness is interrupted; returns the unregister function. */
export function onInterrupt(handler: () => Promise<void>): () => void {
  interruptHandlers.add(handler);
  return () => interruptHandlers.delete(handler);
}

/** On SIGINT/SIGTERM: end the children, then give the registered cleanups up to 20 s. */
export async function interrupted(): Promise<void> {
  killChildren();
  const handlers = [...interruptHandlers].map((handler) => handler().catch(() => undefined));
  await Promise.race([Promise.all(handlers), sleep(20_000)]);
}

/** A Node process of the repo started through bench/run.js (compiled output, no compiler loaded), with its RSS sampled. */
export class ChildApp {
  private exited = false;
  private exitCode: number | null = null;
  private sampler: NodeJS.Timeout | undefined;
  private sampledPeakKb = 0;
  private lastKb = 0;
  private peakKb = 0;
  private samples = 0;
  readonly logFile: string;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    logFile: string,
  ) {
    this.logFile = logFile;
    live.add(this);
    child.on('exit', (code) => {
      live.delete(this);
      this.exited = true;
      this.exitCode = code;
      if (this.sampler) clearInterval(this.sampler);
    });
    this.sampler = setInterval(() => this.sample(), 250);
    this.sampler.unref();
  }

  /** `nodeArguments` go before the script (flags NODE_OPTIONS refuses, such as --cpu-prof). */
  static start(name: string, entry: string, environment: Record<string, string>, nodeArguments: string[] = []): ChildApp {
    mkdirSync(LOG_DIRECTORY, { recursive: true });
    const logFile = join(LOG_DIRECTORY, `${name}.log`);
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [...nodeArguments, join(REPOSITORY_ROOT, 'bench/run.js'), entry], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...environment, BENCH_SKIP_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    return new ChildApp(name, child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return !this.exited;
  }

  private sample(): void {
    if (this.exited) return;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      this.lastKb = rss;
      this.sampledPeakKb = Math.max(this.sampledPeakKb, rss);
      this.peakKb = Math.max(this.peakKb, hwm);
      this.samples++;
    } catch {
      // the process is gone; the exit handler records it
    }
  }

  memory(): Memory {
    this.sample();
    const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
    return { peakRssMb: mb(this.peakKb), sampledPeakRssMb: mb(this.sampledPeakKb), lastRssMb: mb(this.lastKb), samples: this.samples };
  }

  /** Fails fast with the log's tail when the process died. */
  assertRunning(): void {
    if (this.exited) throw new Error(`${this.name} exited with code ${this.exitCode}; last lines of ${this.logFile}:\n${this.tail()}`);
  }

  tail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** CPU time (user + system) the process has used so far, in seconds. */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** SIGTERM (graceful shutdown), then SIGKILL after `graceMs`: only this child, by its pid. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (!this.exited && Date.now() < deadline) await sleep(100);
    if (!this.exited) {
      this.child.kill('SIGKILL');
      while (!this.exited) await sleep(50);
    }
  }
}

/**
 * The processes of one system under test (the broker may run as several instances of one
 * consumer group), read as one: CPU summed, the first failure reported, memory per
 * process and summed.
 */
export class ProcessSet {
  constructor(readonly processes: readonly ChildApp[]) {
    if (processes.length === 0) throw new Error('a process set needs at least one process');
  }

  get pids(): number[] {
    return this.processes.map((app) => app.pid);
  }

  assertRunning(): void {
    for (const app of this.processes) app.assertRunning();
  }

  cpuSeconds(): number {
    return this.processes.reduce((sum, app) => sum + app.cpuSeconds(), 0);
  }

  tail(lines = 20): string {
    return this.processes.map((app) => `${app.name}:\n${app.tail(lines)}`).join('\n');
  }

  /** The largest process's figures, and with more than one, each process's and their sum (`totalPeakRssMb`, an upper bound of the set's peak). */
  memory(): Memory & { instances: number; totalPeakRssMb: number; perProcess?: Memory[] } {
    const each = this.processes.map((app) => app.memory());
    const largest = each.reduce((max, memory) => (memory.peakRssMb > max.peakRssMb ? memory : max));
    const totalPeakRssMb = Math.round(each.reduce((sum, memory) => sum + memory.peakRssMb, 0) * 10) / 10;
    return { ...largest, instances: each.length, totalPeakRssMb, ...(each.length > 1 ? { perProcess: each } : {}) };
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((app) => app.stop()));
  }
}

/**
 * Waits until `GET url` answers 200 (the app's readiness), failing early if the process
 * died, and saying every 15 s what it sees meanwhile (a long migration looks the same as a
 * hang from outside: the log file tells them apart).
 */
export async function waitForHttp(app: ChildApp, url: string, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastReport = started;
  let seen = 'no answer yet';
  for (;;) {
    app.assertRunning();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (response.status === 200) return;
      seen = `HTTP ${response.status}`;
    } catch (error) {
      seen = error instanceof Error ? `${error.name}: ${(error.cause as Error | undefined)?.message ?? error.message}` : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${app.name} did not become ready at ${url} within ${timeoutMs} ms (last: ${seen}); see ${app.logFile}:\n${app.tail()}`);
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      progress(`waiting for ${app.name} (pid ${app.pid}) to be ready: ${Math.round((Date.now() - started) / 1000)} s, last: ${seen}; log ${app.logFile}`);
    }
    await sleep(250);
  }
}
