import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { requestTo, type AppRequest } from './apps';
import { REPOSITORY_ROOT } from './environment';
import { eventually } from './kafka';

/** A port nothing listens on right now (for an app process, which takes its port from the environment). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A real app in a child process, started by a test's launcher script (which compiles the
 * app's main.ts through bench/run.js and may add test-only hooks), with an IPC channel:
 * the launcher exits when the test process goes away. Output is kept, line by line, for
 * the test's report.
 */
export class AppProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  protected readonly child: ChildProcess;

  constructor(
    readonly name: string,
    readonly port: number,
    options: { launcher: string; environment: Record<string, string>; nodeArguments?: string[] },
  ) {
    this.child = spawn(process.execPath, [...(options.nodeArguments ?? []), options.launcher], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, ...options.environment },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.lines.push(`${new Date().toISOString()} ${line}`));
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** fetch against the app with an optional bearer token; JSON in, JSON (or text) out (as RunningApp's). */
  get request(): AppRequest {
    return requestTo(this.url);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Until /health answers 200 (Postgres migrated and reachable, Kafka reachable). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        if (!this.running) throw new Error(`${this.name} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.lines.slice(-20).join('\n')}`);
        const response = await fetch(`${this.url}/health`).catch(() => undefined);
        return response?.status === 200 ? true : undefined;
      },
      timeoutMs,
      250,
    ).catch((error: Error) => {
      throw new Error(`${this.name} did not become ready: ${error.message}`);
    });
  }

  /** Sends `message` over IPC and resolves with the launcher's next answer. */
  ask<T>(message: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`${this.name} exited before answering`));
      this.child.once('exit', onExit);
      this.child.once('message', (answer) => {
        this.child.off('exit', onExit);
        resolve(answer as T);
      });
      this.child.send(message as never);
    });
  }

  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
