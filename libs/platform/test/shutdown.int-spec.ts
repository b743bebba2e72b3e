import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from '@accord/testing';

describe('runMain bounds a graceful stop', () => {
  it('exits with code 1 and one line soon after SIGTERM when the shutdown hooks never finish', async () => {
    const child = spawn(join(REPOSITORY_ROOT, 'node_modules/.bin/tsx'), [join(__dirname, 'hanging-shutdown.fixture.ts')], {
      env: { ...process.env, SHUTDOWN_TIMEOUT_MS: '1500' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve()));
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
    const took = Date.now() - signalled;
    expect(code).toBe(1);
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(10_000);
    expect(stderr).toContain('accord fixture: graceful shutdown did not finish within 1500 ms');
  }, 30_000);
});
