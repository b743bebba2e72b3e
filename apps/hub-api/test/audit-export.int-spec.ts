import { get as httpGet, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { generateDevelopmentKeyPair, type UnchainedDecision } from '@accord/audit-chain';
import { appendDecisions, dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase } from '@accord/persistence';
import {
  AppProcess,
  createTestDatabase,
  exampleDecision,
  freePort,
  REPOSITORY_ROOT,
  TEST_KAFKA_BROKERS,
  TEST_KAFKA_TLS_DIR,
  type TestDatabase,
} from '@accord/testing';

const ADMIN_TOKEN = 'test-admin-token-audit-export-0123';
const ROWS = 100_000;

/**
 * hub-api in a process of its own (measured-hub-api.cjs), so the memory measured is the
 * export's alone. `retained()`: its heap plus ArrayBuffers (where Buffers live) after a full
 * collection, so garbage does not count; other external memory (externalised strings) is
 * freed lazily and too noisy to measure.
 */
class MeasuredHubApi extends AppProcess {
  async retained(): Promise<number> {
    const answer = await this.ask<{ retained: number; heapUsed: number; arrayBuffers: number }>('retained');
    if (process.env.AUDIT_EXPORT_REPORT) process.stderr.write(`heap ${answer.heapUsed} buffers ${answer.arrayBuffers}\n`);
    return answer.retained;
  }
}

function decision(index: number): UnchainedDecision {
  const withheld = index % 3 === 0;
  return exampleDecision({
    outcome: withheld ? 'withheld' : 'shared',
    reasons: [withheld ? 'objection' : 'permitted'],
    fieldsReleased: withheld ? [] : ['subject.localId', 'subject.name', 'serviceType', 'startDate'],
    fieldsWithheld: ['subject.nhsNumber', 'subject.dateOfBirth'],
    subjectKey: (index % 5000).toString(16).padStart(64, 'a'),
    payloadDigest: withheld ? null : 'f'.repeat(64),
    partition: index % 6,
    offset: String(index),
    decidedAt: new Date(Date.UTC(2026, 3, 1) + index * 1000).toISOString(),
  });
}

describe('exporting the whole sharing log', () => {
  let database: TestDatabase;
  let hub: MeasuredHubApi;
  let auditor: string;

  beforeAll(async () => {
    database = await createTestDatabase('hub_audit_export');
    // The log is written before hub-api starts: what it holds afterwards is the export's doing.
    const seeding: DataSource = await openDatabase(
      dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }),
    );
    try {
      for (let start = 0; start < ROWS; start += 5000) {
        await seeding.transaction((manager) =>
          appendDecisions(manager, Array.from({ length: 5000 }, (_, offset) => decision(start + offset))),
        );
      }
    } finally {
      await seeding.destroy();
    }
    const port = await freePort();
    hub = new MeasuredHubApi('hub-api', port, {
      launcher: join(REPOSITORY_ROOT, 'apps/hub-api/test/measured-hub-api.cjs'),
      nodeArguments: ['--expose-gc'],
      environment: {
        HUB_API_PORT: String(port),
        DATABASE_URL: database.url,
        KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
        KAFKA_TLS_DIR: TEST_KAFKA_TLS_DIR,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
        AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
        AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
      },
    });
    await hub.ready(120_000);
    auditor = (await hub.request('POST', '/v1/tokens', { token: ADMIN_TOKEN, body: { roles: ['auditor'] } })).body.token;
  }, 180_000);
  afterAll(async () => {
    await hub?.kill();
    await database?.drop();
  });

  it(
    'streams 100k rows as CSV in bounded memory, holding back while the client is not reading',
    async () => {
      // Warm up: the whole export runs once. Besides compiling the code, it grows each pooled connection's
      // receive buffer to what a page takes (node-postgres keeps it for the next query): 17 MB of
      // ArrayBuffers over the pool on the first export, measured, the same on every one after.
      expect((await hub.request('GET', '/v1/audit/decisions', { token: auditor, accept: 'text/csv' })).status).toBe(200);
      const baseline = await hub.retained();
      const response = await new Promise<IncomingMessage>((resolve, reject) =>
        httpGet(`${hub.url}/v1/audit/decisions`, { headers: { authorization: `Bearer ${auditor}`, accept: 'text/csv' } }, resolve).on(
          'error',
          reject,
        ),
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/csv/);

      let bytes = 0;
      let lines = 0;
      let tail = '';
      let nextSample = 0;
      let peak = 0;
      let lowest = 0; // relative to the baseline: a swing below it counts against the peak too
      let paused = false;
      let grownWhilePaused = 0;
      // The client stops reading while hub-api collects garbage and measures, so each sample is taken at
      // the byte count it is recorded for (a collection takes longer than the export takes to send 4 MB).
      const sample = async () => {
        const growth = (await hub.retained()) - baseline;
        peak = Math.max(peak, growth);
        lowest = Math.min(lowest, growth);
        return growth;
      };
      // Once, a third of the way in: stop reading for a while. The server must stop too.
      const hold = async () => {
        const atPause = await sample();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        grownWhilePaused = (await sample()) - atPause;
      };
      await new Promise<void>((resolve, reject) => {
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
          tail = (tail + chunk.toString('utf8')).slice(-2000);
          const holding = !paused && bytes > 20 * 1024 * 1024;
          if (bytes < nextSample && !holding) return;
          if (bytes >= nextSample) nextSample += 4 * 1024 * 1024;
          paused ||= holding;
          response.pause();
          (holding ? hold() : sample()).then(() => response.resume(), reject);
        });
        response.on('end', resolve);
        response.on('error', reject);
      });

      if (process.env.AUDIT_EXPORT_REPORT) process.stderr.write(`sent ${bytes} bytes; retained growth: peak ${peak}, lowest ${lowest}, grown while paused ${grownWhilePaused}\n`);
      expect(lines).toBe(ROWS + 1);
      const lastRow = tail.trimEnd().split('\r\n').pop()!;
      expect(lastRow.split(',').slice(-3)[0]).toBe(String(ROWS)); // seq, prevHash, hash end each row
      // The honest check: hub-api's retained heap plus buffers (after a full GC) swung by less than what
      // was sent — loading the matches first would hold them all at once (measured: several times the CSV size).
      expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
      expect(peak - lowest).toBeLessThan(bytes / 4);
      // While the client reads nothing the server stops producing: a server that ignored backpressure would
      // pile the remaining two thirds of the export into socket buffers during the pause.
      expect(grownWhilePaused).toBeLessThan(bytes / 4);
    },
    180_000,
  );

  it('streams NDJSON too, starting after a cursor', async () => {
    const page = (await hub.request('GET', '/v1/audit/decisions?limit=1000&outcome=withheld', { token: auditor })).body;
    const { text } = await hub.request('GET', `/v1/audit/decisions?outcome=withheld&cursor=${page.nextCursor}`, { token: auditor, accept: 'application/x-ndjson' });
    const records = text.trimEnd().split('\n');
    expect(records.length).toBe(Math.ceil(ROWS / 3) - 1000);
    expect(JSON.parse(records[0]).seq).toBe(page.items[999].seq + 3);
  });
});
