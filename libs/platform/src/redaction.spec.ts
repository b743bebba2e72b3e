import fc from 'fast-check';
import { KafkaJSAggregateError, KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { MAX_LOG_DEPTH, MAX_LOG_VALUES, MAX_STACK_FRAMES, isPersonalDataKey, scrubObject, scrubText, serializeError, type SerializedError } from './redaction';

const nhsNumber = '9434765919';
const given = 'Perdita';
const family = 'Lovelace';

/** The digits of `digits` with anything up to three non-digits between them. */
function anySpacing(digits: string): RegExp {
  return new RegExp(digits.split('').join('\\D{0,3}'));
}

/** A Postgres check-constraint failure on a subject insert, as pg reports it and TypeORM wraps it. */
function constraintFailure(): QueryFailedError {
  const subject = JSON.stringify({ localId: 'p-1', nhsNumber, name: { given, family } });
  const driverError = new DatabaseError('new row for relation "assessments" violates check constraint "assessments_probe"', 300, 'error');
  Object.assign(driverError, {
    severity: 'ERROR',
    code: '23514',
    detail: `Failing row contains (0f6b…, 1, council-a, ${subject}, long-term).`,
    where: `SQL statement "INSERT INTO assessments VALUES ('${nhsNumber}')"`,
    hint: `Check ${family}`,
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

function assertNothingPersonal(text: string): void {
  expect(text).not.toMatch(anySpacing(nhsNumber));
  expect(text).not.toContain(given);
  expect(text).not.toContain(family);
}

describe('scrubText', () => {
  it.each([
    ['a bare NHS number', `lookup ${nhsNumber} failed`],
    ['an NHS number spaced 3-3-4', 'lookup 943 476 5919 failed'],
    ['an NHS number with hyphens', 'lookup 943-476-5919 failed'],
    ['an NHS number with several spaces', 'lookup 943  476  5919 failed'],
    ['an NHS number with spaced hyphens', 'lookup 943 - 476 - 5919 failed'],
    ['an NHS number with URL-encoded spaces', '/v1/audit?nhsNumber=943%20476%205919&outcome=shared'],
    ['an NHS number with + for spaces', '/v1/audit?q=943+476+5919&outcome=shared'],
    ['an NHS number after a URL-encoded space', '/v1/audit?q=person%209434765919&outcome=shared'],
    ['an NHS number joined to a word', 'key person_9434765919 failed'],
    ['an array query parameter', `/v1/audit?nhsNumber[]=${nhsNumber}&nhsNumber[]=4010232137&outcome=shared`],
    ['an encoded array query parameter', '/v1/audit?nhsNumber%5B%5D=943%20476%205919&outcome=shared'],
    ['an upper-case key', '/v1/audit?NHSNUMBER=943+476+5919&outcome=shared'],
    ['a snake-case key', `/v1/audit?nhs_number=${nhsNumber}&outcome=shared`],
    ['a nested key', '/v1/audit?subject%5BnhsNumber%5D=943%20476%205919&outcome=shared'],
  ])('redacts %s', (_form, text) => {
    const scrubbed = scrubText(text);
    expect(scrubbed).not.toMatch(anySpacing(nhsNumber));
    expect(scrubbed).not.toMatch(anySpacing('4010232137'));
    expect(scrubbed).toContain('[REDACTED]');
    if (text.includes('outcome=shared')) expect(scrubbed).toContain('outcome=shared');
  });

  it.each([
    ['NI number', 'QQ123456C'],
    ['NI number spaced in pairs', 'QQ 12 34 56 C'],
    ['NI number in lower case', 'qq 123456 c'],
    ['NI number with URL-encoded spaces', 'QQ%2012%2034%2056%20C'],
    ['NI number without its suffix', 'QQ123456'],
  ])('redacts an %s', (_form, niNumber) => {
    const scrubbed = scrubText(`/v1/people?ref=${niNumber}&limit=5 and ${niNumber}.`);
    expect(scrubbed).not.toMatch(/\d{2}\D{0,3}\d{2}\D{0,3}\d{2}/);
    expect(scrubbed).toContain('limit=5');
  });

  it.each([
    ['a name query parameter', '/v1/people?family=Lovelace&given=Ada&limit=5'],
    ['an upper-case name key', '/v1/people?FAMILY_NAME=Lovelace&Given=Ada&limit=5'],
    ['quoted JSON', 'body {"family":"Lovelace","given":"Ada","limit=5":1}'],
    ['escaped JSON', 'body {\\"family\\":\\"Lovelace\\",\\"given\\":\\"Ada\\"} limit=5'],
    ['key: value text', 'given: Ada, family: Lovelace, limit=5'],
  ])('redacts %s', (_form, text) => {
    const scrubbed = scrubText(text);
    expect(scrubbed).not.toContain('Lovelace');
    expect(scrubbed).not.toContain('Ada');
    expect(scrubbed).toContain('limit=5');
  });

  it('redacts a postcode and date of birth given by key', () => {
    const scrubbed = scrubText('postcode: SO16 7XX, dateOfBirth=1950-01-01');
    expect(scrubbed).not.toMatch(/SO16|7XX|1950/);
  });

  it.each([
    'event 123e4567-e89b-12d3-a456-426614174000 published',
    'offset 1764338900000 committed at 2026-12-02T16:59:00.289Z',
    'topic accord.events.council-a partition 3',
    '/v1/assessments?limit=50&cursor=abc',
  ])('keeps %s', (text) => {
    expect(scrubText(text)).toBe(text);
  });

  const digits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 10, maxLength: 10 });
  const separator = fc.constantFrom('', ' ', '  ', '-', ' - ', '.', '+', '%20', '%2D', '\t');
  const surrounding = fc
    .array(fc.constantFrom('a', 'Z', ' ', '_', '/', '?', '&', '=', ':', '"', '%20', '[', ']', '\n'), { maxLength: 12 })
    .map((parts) => parts.join(''));

  it('redacts ten digits under any grouping and separators, in any surrounding text', () => {
    fc.assert(
      fc.property(digits, fc.array(separator, { minLength: 9, maxLength: 9 }), surrounding, surrounding, (number, separators, before, after) => {
        const written = number.map((digit, index) => `${index > 0 ? separators[index - 1] : ''}${digit}`).join('');
        expect(scrubText(`${before}${written}${after}`)).not.toMatch(anySpacing(number.join('')));
      }),
    );
  });

  const keyCasing = fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }).map((upper) =>
    'nhsNumber'
      .split('')
      .map((letter, index) => (upper[index] ? letter.toUpperCase() : letter.toLowerCase()))
      .join(''),
  );

  it('redacts an nhsNumber query parameter in any key casing and array form', () => {
    fc.assert(
      fc.property(keyCasing, fc.constantFrom('', '[]', '%5B%5D', '%5b%5d', '[0]'), fc.constantFrom('=', '%3D'), (key, brackets, equals) => {
        const scrubbed = scrubText(`/v1/audit?limit=5&${key}${brackets}${equals}ABC-${nhsNumber.slice(0, 5)}&outcome=shared`);
        expect(scrubbed).not.toContain(nhsNumber.slice(0, 5));
        expect(scrubbed).toContain('outcome=shared');
      }),
    );
  });
});

describe('isPersonalDataKey', () => {
  it.each(['nhsNumber', 'NHSNumber', 'nhs_number', 'NHS-NUMBER', 'Subject', 'date_of_birth', 'Authorization'])('is true for %s', (key) => {
    expect(isPersonalDataKey(key)).toBe(true);
  });

  it.each(['id', 'topic', 'localId', 'outcome'])('is false for %s', (key) => {
    expect(isPersonalDataKey(key)).toBe(false);
  });
});

describe('serializeError', () => {
  it('keeps what names a database failure and drops the query, its parameters and the failing row', () => {
    const serialized = serializeError(constraintFailure()) as SerializedError & Record<string, unknown>;
    expect(serialized).toMatchObject({
      type: 'QueryFailedError',
      message: 'new row for relation "assessments" violates check constraint "assessments_probe"',
      code: '23514',
      table: 'assessments',
      constraint: 'assessments_probe',
      schema: 'asc',
    });
    expect(serialized.stack).toMatch(/^QueryFailedError: new row for relation "assessments"[^\n]*\n\s+at /);
    for (const dropped of ['query', 'parameters', 'detail', 'where', 'hint', 'driverError', 'severity', 'routine', 'length', 'name']) {
      expect(serialized).not.toHaveProperty(dropped);
    }
    const text = JSON.stringify(serialized);
    assertNothingPersonal(text);
    expect(text).not.toMatch(/Failing row|INSERT INTO/);
  });

  it('redacts quoted values in a message but keeps the failing identifiers', () => {
    const driverError = Object.assign(new DatabaseError(`invalid input syntax for type uuid: "${family}"`, 100, 'error'), { code: '22P02' });
    const serialized = serializeError(new QueryFailedError('SELECT 1', [family], driverError)) as SerializedError;
    expect(serialized.message).toBe('invalid input syntax for type uuid: "[REDACTED]"');
    expect(serialized.stack).not.toContain(family);

    const unterminated = serializeError(new Error(`value "${family} is too long`)) as SerializedError;
    expect(unterminated.message).toBe('value "[REDACTED]"');
  });

  it("redacts the input V8 quotes in a JSON parse error", () => {
    let parseError: unknown;
    try {
      JSON.parse(`{"family":"${family}", "nhsNumber": ${nhsNumber}, broken`);
    } catch (error) {
      parseError = error;
    }
    try {
      JSON.parse(`${given} ${family}`);
    } catch (error) {
      assertNothingPersonal(JSON.stringify(serializeError(error)));
    }
    assertNothingPersonal(JSON.stringify(serializeError(parseError)));
  });

  it('scrubs the message and every stack frame, and keeps no other stack line', () => {
    const error = new Error('no record for 943 476 5919');
    // Libraries append their causes' messages to the stack (kafkajs: "Caused by: …").
    error.stack = `Error: no record for 943 476 5919\n  Caused by: Error: ${family}\n    at lookup (/srv/app.js:1:1)\n    at ${nhsNumber} (/srv/app.js:2:1)`;
    const serialized = serializeError(error) as SerializedError;
    expect(serialized.stack).toBe('Error: no record for [REDACTED]\n    at lookup (/srv/app.js:1:1)\n    at [REDACTED] (/srv/app.js:2:1)');
  });

  it('bounds the stack to MAX_STACK_FRAMES frames', () => {
    const error = new Error('deep');
    error.stack = ['Error: deep', ...Array.from({ length: 100 }, (_, index) => `    at frame${index} (/srv/app.js:${index}:1)`)].join('\n');
    const frames = (serializeError(error) as SerializedError).stack!.split('\n').slice(1);
    expect(frames).toHaveLength(MAX_STACK_FRAMES);
  });

  it('serializes causes the same way, at any depth, and bounds a cause cycle', () => {
    const outer = new Error('could not record the assessment', { cause: new Error('transaction failed', { cause: constraintFailure() }) });
    const serialized = serializeError(outer) as SerializedError;
    const innermost = (serialized.cause as SerializedError).cause as SerializedError;
    expect(innermost).toMatchObject({ type: 'QueryFailedError', constraint: 'assessments_probe' });
    expect(innermost).not.toHaveProperty('parameters');
    assertNothingPersonal(JSON.stringify(serialized));

    const looping = new Error(`loop ${nhsNumber}`);
    (looping as { cause?: unknown }).cause = looping;
    const text = JSON.stringify(serializeError(looping));
    expect(text).toContain('[TRUNCATED]');
    expect(text.match(/"cause"/g)).toHaveLength(MAX_LOG_DEPTH);
    assertNothingPersonal(text);
  });

  it("serializes an AggregateError's errors and a kafkajs error's original error", () => {
    const aggregate = new AggregateError([constraintFailure(), new Error(`no consent for ${nhsNumber}`)], 'two writes failed');
    const serializedAggregate = serializeError(aggregate) as SerializedError;
    expect(serializedAggregate.errors).toHaveLength(2);
    expect(serializedAggregate.errors![0]).toMatchObject({ type: 'QueryFailedError', table: 'assessments' });
    assertNothingPersonal(JSON.stringify(serializedAggregate));

    const connection = new KafkaJSConnectionError(`Connection error for key ${nhsNumber}`, { broker: 'kafka:9093' } as never);
    const retries = new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 5, retryTime: 1000 } as never);
    const kafkaAggregate = new KafkaJSAggregateError(`${family} failed`, [retries]);
    const serializedKafka = serializeError(kafkaAggregate) as SerializedError;
    expect(serializedKafka.errors![0]).toMatchObject({ type: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'KafkaJSConnectionError' } });
    const text = JSON.stringify(serializedKafka);
    expect(text).not.toContain('Caused by');
    expect(text).not.toMatch(anySpacing(nhsNumber));
  });

  it('scrubs a value that is not an error like any other logged value', () => {
    expect(serializeError(`failed for ${nhsNumber}`)).toBe('failed for [REDACTED]');
    expect(serializeError({ message: 'failed', subject: { nhsNumber } })).toEqual({ message: 'failed', subject: '[REDACTED]' });
    expect(serializeError(undefined)).toBeUndefined();
  });
});

describe('scrubObject', () => {
  it('redacts personal-data keys at any depth and in any casing, and scrubs every string', () => {
    const deep = { a: { b: { c: { d: { e: { NHS_Number: nhsNumber, note: `call 943-476-5919` } } } } } };
    const scrubbed = scrubObject({ deep, list: [{ Family: family }, `given=${given}`], localId: 'p-1' });
    assertNothingPersonal(JSON.stringify(scrubbed));
    expect(scrubbed.localId).toBe('p-1');
    expect(scrubbed.list[0]).toEqual({ Family: '[REDACTED]' });
  });

  it('serializes errors inside objects and arrays', () => {
    const scrubbed = scrubObject({ batch: { failures: [constraintFailure()] }, last: constraintFailure() });
    const text = JSON.stringify(scrubbed);
    assertNothingPersonal(text);
    expect(text).not.toMatch(/parameters|Failing row|INSERT INTO|driverError/);
    expect((scrubbed.last as unknown as SerializedError).constraint).toBe('assessments_probe');
  });

  it('bounds depth and size, survives cycles, and summarises binary data', () => {
    let nested: Record<string, unknown> = { nhsNumber };
    for (let level = 0; level < 50; level++) nested = { level: nested };
    const cyclic: Record<string, unknown> = { name: family };
    cyclic.self = cyclic;
    const scrubbed = scrubObject({
      nested,
      cyclic,
      bytes: Buffer.from(`${nhsNumber} ${family}`),
      at: new Date('2026-01-01T00:00:00Z'),
      many: Array.from({ length: MAX_LOG_VALUES * 3 }, (_, index) => `item ${index}`),
    });
    const text = JSON.stringify(scrubbed);
    assertNothingPersonal(text);
    expect(text).toContain('[TRUNCATED]');
    expect((scrubbed.many as unknown as unknown[]).length).toBeLessThanOrEqual(MAX_LOG_VALUES + 1);
    expect(scrubbed.bytes).toBe('[BINARY 19 bytes]');
    expect(scrubbed.at).toBe('2026-01-01T00:00:00.000Z');
  });
});
