import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  createTestDatabase,
  hubAuthenticationEnvironment,
  issueTestToken,
  randomNhsNumber,
  registerTestParticipants,
  startTestApp,
  uniqueParticipant,
  type RunningApp,
  type TestDatabase,
  exampleEventData,
} from '@accord/testing';
import { AppModule as HubModule } from '../../hub-api/src/app.module';
import { HubApiEnvironment } from '../../hub-api/src/environment';
import { AppModule } from '../src/app.module';
import { AdultSocialCareEnvironment } from '../src/environment';

/**
 * The app's log lines as written. With `process.stdout.write` replaced before the app
 * starts, pino writes every line through `process.stdout` (it only opens fd 1 itself when
 * stdout is untouched), so the capture sees exactly what an operator's log shipper would.
 */
class StdoutCapture {
  readonly lines: string[] = [];
  private readonly original = process.stdout.write;

  start(): void {
    const original = this.original;
    const lines = this.lines;
    process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      if (text.startsWith('{')) {
        lines.push(...text.split('\n').filter((line) => line.length > 0));
        const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof process.stdout.write;
  }

  stop(): void {
    process.stdout.write = this.original;
  }
}

/** The digits of `nhsNumber` with anything up to three non-digits between them: every spacing, hyphenation or encoding. */
function anySpacing(nhsNumber: string): RegExp {
  return new RegExp(nhsNumber.split('').join('\\D{0,3}'));
}

describe('adult-social-care: a database error on a record insert logs no personal data', () => {
  const participant = uniqueParticipant('adult-social-care');
  const capture = new StdoutCapture();
  const nhsNumber = randomNhsNumber();
  // Names nothing else in the log could contain by chance.
  const given = `Givenname${randomUUID().slice(0, 8)}`;
  const family = `Familyname${randomUUID().slice(0, 8)}`;
  let database: TestDatabase;
  let hub: RunningApp;
  let service: RunningApp;
  let sql: Client;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase('asc_logs');
    // The hub logs nothing here (LOG_LEVEL silent): every captured line is the service's.
    hub = await startTestApp({ service: 'hub-api', environmentClass: HubApiEnvironment, environment: { DATABASE_URL: database.url }, module: HubModule.forRoot });
    await registerTestParticipants(hub, [participant]);
    token = (await issueTestToken(hub, { participant, roles: ['publisher'] })).token;
    capture.start();
    service = await startTestApp({
      service: 'adult-social-care',
      environmentClass: AdultSocialCareEnvironment,
      environment: { DATABASE_URL: database.url, ASC_PARTICIPANT: participant, LOG_LEVEL: 'info', ...hubAuthenticationEnvironment(hub.url) },
      module: (environment) => AppModule.forRoot(environment),
    });
    sql = new Client({ connectionString: database.url });
    await sql.connect();
    await sql.query('SET search_path TO "asc"');
    // The next insert of this person violates it: Postgres answers with the failing row
    // (subject JSON included) in `detail`, and TypeORM adds the insert's parameters.
    await sql.query(`ALTER TABLE assessments ADD CONSTRAINT log_redaction_probe CHECK (subject->>'nhsNumber' IS DISTINCT FROM '${nhsNumber}')`);
  });

  afterAll(async () => {
    await sql?.end();
    await service?.close();
    capture.stop();
    await hub?.close();
    await database?.drop();
  });

  it('answers 500 and logs the constraint error without the NHS number or name', async () => {
    const spaced = `${nhsNumber.slice(0, 3)} ${nhsNumber.slice(3, 6)} ${nhsNumber.slice(6)}`;
    const response = await service.request('POST', '/v1/assessments', {
      token,
      body: {
        ...(exampleEventData('asc.assessment.completed.v1') as Record<string, unknown>),
        subject: { localId: `person-${randomUUID()}`, nhsNumber: spaced, name: { given, family } },
      },
    });

    expect(response.status).toBe(500);
    expect(response.body).toEqual({ code: 'internal', message: 'An internal error occurred' });

    const entries = capture.lines.map((line) => JSON.parse(line) as Record<string, any>);
    // The error was logged at all, and it is the constraint violation: the assertions below can fail.
    const logged = entries.find((entry) => entry.level === 'error' && entry.err?.type === 'QueryFailedError');
    expect(logged).toBeDefined();
    expect(logged!.err).toMatchObject({ code: '23514', table: 'assessments', constraint: 'log_redaction_probe' });
    expect(logged!.err.message).toContain('log_redaction_probe');

    const output = capture.lines.join('\n');
    expect(output).not.toMatch(anySpacing(nhsNumber));
    expect(output.toLowerCase()).not.toContain(given.toLowerCase());
    expect(output.toLowerCase()).not.toContain(family.toLowerCase());
    expect(output).not.toContain('Failing row');
    expect(response.text).not.toMatch(anySpacing(nhsNumber));
    // Nor the caller's bearer token.
    expect(output).not.toContain(token);
  });
});
