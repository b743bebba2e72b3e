import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import DEVELOPMENT_DEFAULTS from '../../libs/platform/src/development-defaults.json';
import { createTestDatabase, eventually, randomNhsNumber, REPOSITORY_ROOT, TEST_KAFKA_TLS_DIR, type TestDatabase, exampleEventData } from '@accord/testing';

// Ports away from a developer's running `npm start` (3000-3010), so both can coexist.
const PORTS = { HUB_API_PORT: 3200, ASC_PORT: 3201, PH_PORT: 3202, RB_PORT: 3203, BROKER_PORT: 3210 };
/** The broker runs as two instances of one consumer group by default, the second on BROKER_PORT + 1. */
const HEALTH_PORTS = [...Object.values(PORTS), PORTS.BROKER_PORT + 1];

/** The walkthrough's first line: the URLs and admin token of `npm start` with its defaults. */
const WALKTHROUGH_SETTINGS = `HUB=http://127.0.0.1:3000 ASC=http://127.0.0.1:3001 ADMIN=${DEVELOPMENT_DEFAULTS.adminToken}`;

/**
 * The README's walkthrough: the shell block under its heading, and what it shows as output
 * (`# → …` lines, in order; `…` stands for what differs from run to run, such as ids and times).
 */
function readmeWalkthrough(): { script: string; shown: RegExp[] } {
  const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## A five-minute walkthrough'));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (!block || !block.startsWith(`${WALKTHROUGH_SETTINGS}\n`)) {
    throw new Error(`README.md: the walkthrough's shell block must start with the line: ${WALKTHROUGH_SETTINGS}`);
  }
  const shown = block
    .split('\n')
    .filter((line) => line.startsWith('# → '))
    .map((line) => {
      const parts = line.slice('# → '.length).split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      return new RegExp(`^${parts.join('.*')}$`);
    });
  return { script: block, shown };
}

interface HealthBody {
  status: string;
  info?: Record<string, { status: string }>;
}

async function health(port: number): Promise<{ status: number; body: HealthBody } | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: (await response.json()) as HealthBody };
  } catch {
    return undefined;
  }
}

describe('npm start', () => {
  let database: TestDatabase;
  let stack: ChildProcess;
  let output = '';
  const runDirectory = mkdtempSync(join(tmpdir(), 'accord-start-'));
  /** The end of every app's log, for a failure message: which app stopped, and why. */
  const appLogs = () => {
    const logs = join(runDirectory, 'logs');
    if (!existsSync(logs)) return '';
    return readdirSync(logs)
      .map((file) => `--- ${file} ---\n${readFileSync(join(logs, file), 'utf8').slice(-3000)}`)
      .join('\n');
  };

  beforeAll(async () => {
    database = await createTestDatabase('npm_start');
    stack = spawn(process.execPath, ['scripts/start.js'], {
      cwd: REPOSITORY_ROOT,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(PORTS).map(([name, port]) => [name, String(port)])),
        DATABASE_URL: database.url,
        ACCORD_RUN_DIR: runDirectory,
        KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
        // The broker the tests share trusts the test PKI's CA: the stack's identities come from there.
        KAFKA_TLS_DIR: TEST_KAFKA_TLS_DIR,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    stack.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    await eventually(async () => (output.includes('Accord is running.') ? true : undefined), 240_000, 500).catch((error: Error) => {
      throw new Error(`${error.message}\n--- npm start output ---\n${output}`);
    });
  }, 300_000);

  afterAll(async () => {
    // Ctrl-C first, as a user would (SIGKILL would leave the apps it started running), then force.
    if (stack && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack.once('exit', resolve));
      stack.kill('SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (stack.exitCode === null) stack.kill('SIGKILL');
    }
    await database.drop();
  }, 30_000);

  it('brings up all five apps (the broker as two instances), each healthy with Kafka and Postgres, with the reference agreements applied', async () => {
    for (const port of HEALTH_PORTS) {
      // Healthy within 30 s of "Accord is running." — one slow answer on a loaded CI machine
      // (the test suites run alongside) is not a failure; an app that never answers is.
      const result = await eventually(async () => {
        const answer = await health(port);
        return answer?.status === 200 ? answer : undefined;
      }, 30_000, 500).catch(() => health(port));
      if (result?.status !== 200) {
        throw new Error(`port ${port} not healthy: ${result?.status}\n--- npm start output ---\n${output.slice(-6000)}\n${appLogs()}`);
      }
      expect(result?.status).toBe(200);
      expect(result?.body.info?.postgres?.status).toBe('up');
      expect(result?.body.info?.kafka?.status).toBe('up');
    }
    expect(output).toContain('admin token:');

    // npm start applied the reference agreements, so the partnership works at once: a
    // care-home placement recorded in adult social care reaches revenues and benefits through
    // the broker and becomes a change-of-circumstances task there.
    expect(output).toMatch(/scc-asc-care-home-to-rb v\d+/);
    // Each council's system gets a token from the hub, bound to its participant; the domain
    // services check it against the hub that npm start pointed them at.
    const adminToken = /admin token:\s*(\S+)/.exec(output)?.[1];
    const issueToken = async (participant: string, roles: string[]) => {
      const issued = await fetch(`http://127.0.0.1:${PORTS.HUB_API_PORT}/v1/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ participant, roles }),
      });
      expect(issued.status).toBe(201);
      return ((await issued.json()) as { token: string }).token;
    };
    const careToken = await issueToken('southampton.adult-social-care', ['publisher']);
    const benefitsToken = await issueToken('southampton.revenues-benefits', ['reader']);
    const example = exampleEventData('asc.service.started.v1');
    const nhsNumber = randomNhsNumber();
    const record = JSON.stringify({
      ...example,
      subject: { ...(example.subject as object), localId: `person-${randomUUID()}`, nhsNumber },
      serviceType: 'long-term-nursing',
    });
    const anonymous = await fetch(`http://127.0.0.1:${PORTS.ASC_PORT}/v1/services`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: record });
    expect(anonymous.status).toBe(401);
    const placement = await fetch(`http://127.0.0.1:${PORTS.ASC_PORT}/v1/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${careToken}` },
      body: record,
    });
    expect(placement.status).toBe(201);
    const { eventId } = (await placement.json()) as { eventId: string };
    const inboxItem = (match: (item: Record<string, any>) => boolean) =>
      eventually(async () => {
        const response = await fetch(`http://127.0.0.1:${PORTS.RB_PORT}/v1/inbox`, { headers: { authorization: `Bearer ${benefitsToken}` } });
        const body = (await response.json()) as { items?: Array<Record<string, any>> };
        return body.items?.find(match);
      }, 90_000);
    const task = await inboxItem((item) => item.eventId === eventId);
    expect(task).toMatchObject({ kind: 'change-of-circumstances', agreement: expect.stringMatching(/^scc-asc-care-home-to-rb@\d+$/) });

    // The person then objects: revenues and benefits is told which record it already holds.
    const objection = await fetch(`http://127.0.0.1:${PORTS.HUB_API_PORT}/v1/consents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ subject: { nhsNumber }, kind: 'object', scope: { agreementId: 'scc-asc-care-home-to-rb' } }),
    });
    expect(objection.status).toBe(201);
    const notice = await inboxItem((item) => item.kind === 'consent-notice' && JSON.stringify(item.details).includes(eventId));
    expect(notice.details).toMatchObject({ kind: 'object', affected: [{ agreementId: 'scc-asc-care-home-to-rb', eventIds: [eventId] }] });
    expect(JSON.stringify(notice)).not.toContain(nhsNumber);
    expect(output).toContain(`http://127.0.0.1:${PORTS.HUB_API_PORT}`);
  }, 180_000);

  it("runs the README's walkthrough exactly as written, and every output is the one the README shows", async () => {
    const walkthrough = readmeWalkthrough();
    // Only the first line changes: the URLs of this stack's ports instead of npm start's defaults.
    const script = walkthrough.script.replace(
      WALKTHROUGH_SETTINGS,
      `HUB=http://127.0.0.1:${PORTS.HUB_API_PORT} ASC=http://127.0.0.1:${PORTS.ASC_PORT} ADMIN=$1`,
    );
    const adminToken = /admin token:\s*(\S+)/.exec(output)?.[1] ?? '';
    const run = spawnSync('bash', ['-c', `set -euo pipefail\n${script}`, 'walkthrough', adminToken], {
      cwd: REPOSITORY_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const printed = run.stdout.split('\n').filter((line) => line !== '');
    const failure = `walkthrough exited ${run.status}${run.signal ? ` (${run.signal})` : ''}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
    expect({ status: run.status, failure: run.status === 0 ? '' : failure }).toEqual({ status: 0, failure: '' });
    expect(printed).toHaveLength(walkthrough.shown.length);
    walkthrough.shown.forEach((expected, index) => expect(printed[index]).toMatch(expected));
  }, 180_000);

  it('stops every app on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => stack.once('exit', (code) => resolve(code)));
    stack.kill('SIGINT');
    expect(await exited).toBe(0);
    for (const port of HEALTH_PORTS) expect(await health(port)).toBeUndefined();
  }, 60_000);

  it('refuses to start an app with a malformed setting, in one clear line naming it', () => {
    // The build from the test above is in dist/.
    const result = spawnSync(process.execPath, ['dist/apps/hub-api/src/main.js'], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, KAFKA_BROKERS: 'not a broker list', HUB_API_PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^accord hub-api: invalid configuration: .*KAFKA_BROKERS.*HUB_API_PORT|HUB_API_PORT.*KAFKA_BROKERS/);
  });
});
