import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestMethod } from '@nestjs/common';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import { DatabaseError } from 'pg';
import pino from 'pino';
import { pinoHttp, type Options } from 'pino-http';
import { QueryFailedError } from 'typeorm';
import { loggerOptions, loggingModule } from './logging';
import { serializeError } from './redaction';

/** A destination stream that keeps pino's output lines. */
function destination(): { stream: { write: (chunk: string) => void }; lines: () => string[]; entries: () => Array<Record<string, any>> } {
  const chunks: string[] = [];
  const lines = () => chunks.join('').split('\n').filter((line) => line.length > 0);
  return { stream: { write: (chunk: string) => chunks.push(chunk) }, lines, entries: () => lines().map((line) => JSON.parse(line)) };
}

function capture(): { logger: pino.Logger; lines: () => string[]; entries: () => Array<Record<string, any>> } {
  const { stream, lines, entries } = destination();
  return { logger: pino(loggerOptions('test', 'debug'), stream), lines, entries };
}

const nhsNumber = '9434765919';
const given = 'Perdita';
const family = 'Lovelace';

/** The digits of `digits` with anything up to three non-digits between them: every spacing, hyphenation or encoding. */
function anySpacing(digits: string): RegExp {
  return new RegExp(digits.split('').join('\\D{0,3}'));
}

/** A Postgres check-constraint failure on a subject insert, built as pg reports it and TypeORM wraps it. */
function constraintFailure(): QueryFailedError {
  const subject = JSON.stringify({ localId: 'p-1', nhsNumber, name: { given, family } });
  const driverError = new DatabaseError('new row for relation "assessments" violates check constraint "assessments_probe"', 300, 'error');
  Object.assign(driverError, {
    severity: 'ERROR',
    code: '23514',
    detail: `Failing row contains (0f6b…, 1, council-a, ${subject}, long-term).`,
    schema: 'asc',
    table: 'assessments',
    constraint: 'assessments_probe',
    routine: 'ExecConstraints',
  });
  return new QueryFailedError(
    'INSERT INTO "asc"."assessments"("id", "subject") VALUES ($1, $2)',
    ['0f6b2c1e-1111-4222-8333-944444444444', subject],
    driverError,
  );
}

/** Nothing that identifies the person, and nothing of the failing row, the query or its parameters. */
function expectNothingPersonal(output: string): void {
  expect(output).not.toMatch(anySpacing(nhsNumber));
  expect(output).not.toContain(given);
  expect(output).not.toContain(family);
  expect(output).not.toMatch(/Failing row|INSERT INTO|"parameters"|"detail"|"driverError"|"query"/);
}

describe('the redacting logger', () => {
  const niNumber = 'QQ123456C';

  it('removes personal data from structured fields at any depth', () => {
    const { logger, lines } = capture();
    logger.info({ subject: { nhsNumber, name: { given: 'Ada', family: 'Lovelace' } } }, 'event received');
    logger.info({ event: { data: { subject: { localId: 'p-1', nhsNumber } } } }, 'nested');
    logger.info({ request: { nhsNumber, niNumber, dateOfBirth: '1950-01-01', postcode: 'SO16 7XX' } }, 'flat');
    logger.info({ a: { b: { c: { d: { e: { f: { NHS_NUMBER: nhsNumber } } } } } } }, 'deep, other casing');
    const output = lines().join('');
    for (const value of [nhsNumber, niNumber, 'Lovelace', '1950-01-01', 'SO16 7XX']) expect(output).not.toContain(value);
    expect(output).toContain('event received');
  });

  it('scrubs identifiers from free text and from URLs', () => {
    const { logger, lines } = capture();
    logger.warn(`lookup failed for ${nhsNumber} / 943 476 5919 / ${niNumber} / QQ 12 34 56 C`);
    logger.info({ url: `/v1/audit/decisions?nhsNumber=${nhsNumber}&outcome=shared` }, 'request');
    const output = lines().join('');
    expect(output).not.toMatch(/9434765919|943 476 5919|QQ123456C|QQ 12 34 56 C/);
    expect(output).toContain('outcome=shared');
  });

  it('scrubs every identifier form from messages, format arguments and fields', () => {
    const { logger, lines } = capture();
    logger.info('lookup 943-476-5919 and 943  476  5919 failed');
    logger.info('GET %s', '/v1/audit?nhsNumber[]=9434765919&NHSNUMBER%5B%5D=943%20476%205919&outcome=shared');
    logger.info({ url: '/v1/people?Family=Lovelace&given_name=Perdita&ni=QQ%2012%2034%2056%20C&outcome=shared' }, 'request');
    logger.info('body %j', { note: 'call about 943 476 5919', person: { Given: given } });
    const output = lines().join('');
    expect(output).not.toMatch(anySpacing(nhsNumber));
    expect(output).not.toMatch(/QQ|Lovelace|Perdita/);
    expect(output.match(/outcome=shared/g)).toHaveLength(2);
  });

  it('writes one JSON object per line with the service and level', () => {
    const { logger, lines } = capture();
    logger.info('hello');
    const entry = JSON.parse(lines()[0]!);
    expect(entry).toMatchObject({ service: 'test', level: 'info', message: 'hello' });
  });
});

describe('errors in log lines', () => {
  it('logs a TypeORM QueryFailedError without the failing row, the query or its parameters, however it is passed', () => {
    const { logger, lines, entries } = capture();
    logger.error({ err: constraintFailure() }, 'insert failed');
    logger.error(constraintFailure());
    logger.error(constraintFailure(), 'insert failed for %s', nhsNumber);
    logger.error({ err: constraintFailure() });
    logger.child({ err: constraintFailure() }).error('in a child logger');
    logger.error({ batch: { failures: [constraintFailure()] }, error: constraintFailure() }, 'batch failed');
    logger.warn('insert failed: %o / %j', constraintFailure(), { cause: constraintFailure() });

    expectNothingPersonal(lines().join('\n'));
    const logged = entries();
    expect(logged).toHaveLength(7);
    const expected = { type: 'QueryFailedError', code: '23514', table: 'assessments', constraint: 'assessments_probe' };
    for (const entry of logged.slice(0, 5)) {
      expect(entry.err).toMatchObject(expected);
      expect(entry.err.stack).toMatch(/^QueryFailedError: new row for relation "assessments" violates check constraint "assessments_probe"\n\s+at /);
    }
    expect(logged[0]!.message).toBe('insert failed');
    expect(logged[1]!.message).toBe('new row for relation "assessments" violates check constraint "assessments_probe"');
    expect(logged[2]!.message).toBe('insert failed for [REDACTED]');
    expect(logged[5]!.batch.failures[0]).toMatchObject(expected);
    expect(logged[5]!.error).toMatchObject(expected);
  });

  it('logs nested causes, aggregated errors and kafkajs retries in the same redacted form', () => {
    const { logger, lines, entries } = capture();
    const wrapped = new Error(`could not record assessment for ${nhsNumber}`, { cause: new Error('transaction failed', { cause: constraintFailure() }) });
    logger.error({ err: wrapped }, 'write failed');
    logger.error({ err: new AggregateError([constraintFailure(), new Error(`no consent for "${family}"`)], 'two writes failed') }, 'aggregate');
    const retries = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError(`Connection error: key 943 476 5919`), { retryCount: 5, retryTime: 100 } as never);
    logger.error({ err: new Error('publish failed', { cause: retries }) }, 'kafka');

    expectNothingPersonal(lines().join('\n'));
    const [write, aggregate, kafka] = entries();
    expect(write!.err.cause.cause).toMatchObject({ type: 'QueryFailedError', constraint: 'assessments_probe' });
    expect(aggregate!.err.errors[0]).toMatchObject({ type: 'QueryFailedError', table: 'assessments' });
    expect(kafka!.err.cause).toMatchObject({ type: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'KafkaJSConnectionError' } });
  });

  it('has one error serializer for the plain loggers and the Nest logger', () => {
    const params = nestLoggerParams();
    expect(loggerOptions('test', 'info').serializers?.err).toBe(serializeError);
    expect((params.pinoHttp as { serializers?: Record<string, unknown> }).serializers?.err).toBe(serializeError);
  });
});

describe('the request logger', () => {
  it('leaves out probes and scrapes, so a process serving only those never switches on per-request context (promise hooks)', () => {
    expect(nestLoggerParams().exclude).toEqual([
      { method: RequestMethod.ALL, path: 'health' },
      { method: RequestMethod.ALL, path: 'metrics' },
    ]);
  });
});

/** The pino-http options the Nest logger module is configured with. */
function nestLoggerParams(): Params {
  const provider = loggingModule('test', 'info').providers!.find(
    (candidate) => typeof candidate === 'object' && 'provide' in candidate && candidate.provide === PARAMS_PROVIDER_TOKEN,
  ) as { useValue: Params };
  return provider.useValue;
}

describe('the Nest logger', () => {
  it('logs a request that failed on a database constraint with the redacted error, the status and a scrubbed URL', async () => {
    const { stream, lines, entries } = destination();
    const middleware = pinoHttp(nestLoggerParams().pinoHttp as Options, stream);
    // What the exception filter does with an unknown error: log it under `err`, answer 500.
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      middleware(request, response);
      request.log.error({ context: 'errors', err: constraintFailure() }, 'unhandled error');
      response.statusCode = 500;
      response.end('{"code":"internal"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const path = `/v1/audit/decisions?nhsNumber%5B%5D=943%20476%205919&family=${family}&outcome=shared`;
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: 'Bearer secret-token', cookie: 'session=secret' } });
      expect(response.status).toBe(500);
      await response.text();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    const output = lines().join('\n');
    expectNothingPersonal(output);
    expect(output).not.toContain('secret');
    const [unhandled, completed] = entries();
    expect(unhandled).toMatchObject({ level: 'error', message: 'unhandled error', err: { type: 'QueryFailedError', constraint: 'assessments_probe' } });
    expect(completed).toMatchObject({ message: 'request errored', res: { statusCode: 500 }, req: { method: 'GET' } });
    expect(completed!.req.url).toBe('/v1/audit/decisions?nhsNumber%5B%5D=[REDACTED]&family=[REDACTED]&outcome=shared');
  });
});
