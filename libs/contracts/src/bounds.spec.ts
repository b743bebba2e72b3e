import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { checkJsonBounds, RECORD_LIMITS } from './bounds';
import { decodeEvent, encodeEvent, type IncomingRecord } from './envelope';
import { exampleEventData } from '@accord/testing';

const TYPE = 'asc.service.started.v1';
const NHS_NUMBER = '9434765919';

/** A valid record as kafkajs delivers it, with `change` applied to its parts. */
function record(change: (parts: { data: Record<string, unknown>; headers: Record<string, string | Buffer | Buffer[]> }) => void = () => undefined): IncomingRecord {
  const data = exampleEventData(TYPE);
  const encoded = encodeEvent({ id: '0f8fad5b-d9cb-469f-a165-70867728950e', source: 'southampton.adult-social-care', type: TYPE, time: '2026-11-28T10:00:00Z', data });
  const headers: Record<string, string | Buffer | Buffer[]> = { ...encoded.headers };
  const parts = { data: JSON.parse(encoded.value) as Record<string, unknown>, headers };
  change(parts);
  const wire: IHeaders = {};
  for (const [name, value] of Object.entries(parts.headers)) wire[name] = typeof value === 'string' ? Buffer.from(value) : value;
  return { key: Buffer.from(encoded.key), value: Buffer.from(JSON.stringify(parts.data)), headers: wire };
}

function problems(input: IncomingRecord) {
  const result = decodeEvent(input);
  if (result.ok) throw new Error('expected the record to be refused');
  return result.problems;
}

describe('record bounds (hostile input, docs/contract.md, "The envelope")', () => {
  it('accepts an ordinary record', () => {
    expect(decodeEvent(record()).ok).toBe(true);
  });

  it('refuses arrays nested 50,000 deep (100 KB), quickly and without overflowing the stack', () => {
    const value = Buffer.from(`{"subject":{"localId":"x"},"deep":${'['.repeat(50_000)}${']'.repeat(50_000)}}`);
    const started = performance.now();
    const found = problems({ ...record(), value });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(found).toContainEqual({ path: 'value', problem: `must nest objects and arrays at most ${RECORD_LIMITS.maxDepth} deep` });
  });

  it('counts nesting of objects and arrays only, not brackets inside strings', () => {
    const nested = (depth: number) => `${'['.repeat(depth - 2)}{}${']'.repeat(depth - 2)}`;
    const brackets = '[{'.repeat(100);
    // Refused (its key is not this localId), but not for its nesting: exactly the limit, brackets in a string not counted.
    const exactly = problems({ ...record(), value: Buffer.from(`{"subject":{"localId":"x"},"a":"${brackets}","deep":${nested(RECORD_LIMITS.maxDepth)}}`) });
    expect(exactly).not.toContainEqual(expect.objectContaining({ problem: expect.stringContaining('nest') }));
    expect(problems({ ...record(), value: Buffer.from(`{"subject":{"localId":"x"},"deep":${nested(RECORD_LIMITS.maxDepth + 1)}}`) })).toEqual([
      { path: 'value', problem: `must nest objects and arrays at most ${RECORD_LIMITS.maxDepth} deep` },
    ]);
  });

  it('refuses a 1 MB value and a string or key over the limit, naming where and never quoting it', () => {
    expect(problems(record(({ data }) => (data.padding = 'x'.repeat(1024 * 1024))))).toContainEqual({ path: 'value', problem: `must be at most ${RECORD_LIMITS.maxValueBytes} bytes` });
    const long = `${NHS_NUMBER}${'y'.repeat(RECORD_LIMITS.maxStringLength)}`;
    const longString = problems(record(({ data }) => ((data.subject as Record<string, unknown>).name = long)));
    expect(longString).toContainEqual({ path: 'subject.name', problem: `strings must be at most ${RECORD_LIMITS.maxStringLength} characters` });
    const longKey = problems(record(({ data }) => (data[long] = true)));
    expect(longKey[0]!.path).toMatch(/^<key \d+>$/);
    expect(JSON.stringify([longString, longKey])).not.toContain(NHS_NUMBER);
  });

  it('refuses more values than the limit', () => {
    expect(problems(record(({ data }) => (data.many = Array.from({ length: RECORD_LIMITS.maxNodes }, () => 0))))).toContainEqual({
      path: 'value',
      problem: `must hold at most ${RECORD_LIMITS.maxNodes} values`,
    });
  });

  it('refuses invalid UTF-8 in the value, the key and a header', () => {
    const invalid = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    expect(problems({ ...record(), value: invalid })).toContainEqual({ path: 'value', problem: 'must be valid UTF-8' });
    expect(problems({ ...record(), key: Buffer.from([0xc3, 0x28]) })).toContainEqual({ path: 'key', problem: 'must be valid UTF-8' });
    expect(problems(record(({ headers }) => (headers.ce_type = Buffer.from([0xe2, 0x82]))))).toContainEqual({ path: 'ce_type', problem: 'must be valid UTF-8' });
  });

  it('refuses header values with control characters, over-long headers and too many headers', () => {
    expect(problems(record(({ headers }) => (headers.ce_type = `${TYPE}\r\nX-Forged: 1`)))).toContainEqual({ path: 'ce_type', problem: 'must not contain control characters' });
    expect(problems(record(({ headers }) => (headers.ce_type = 'a'.repeat(RECORD_LIMITS.maxHeaderBytes + 1))))).toContainEqual({
      path: 'ce_type',
      problem: `must be at most ${RECORD_LIMITS.maxHeaderBytes} bytes`,
    });
    expect(
      problems(
        record(({ headers }) => {
          for (let index = 0; index < RECORD_LIMITS.maxHeaders; index++) headers[`x-extra-${index}`] = 'v';
        }),
      ),
    ).toEqual([{ path: 'headers', problem: `must be at most ${RECORD_LIMITS.maxHeaders}` }]);
  });

  it('refuses a duplicated header and an over-long key', () => {
    expect(problems(record(({ headers }) => (headers.ce_id = [Buffer.from('a'), Buffer.from('b')])))).toContainEqual({ path: 'ce_id', problem: 'must appear once' });
    expect(problems({ ...record(), key: Buffer.from('k'.repeat(RECORD_LIMITS.maxKeyBytes + 1)) })).toContainEqual({
      path: 'key',
      problem: `must be at most ${RECORD_LIMITS.maxKeyBytes} bytes`,
    });
  });
});

describe('checkJsonBounds', () => {
  /** The bounds read naively, recursively: within them when every nesting, string, key and the node count is. */
  function naiveWithin(value: unknown): boolean {
    let nodes = 0;
    const within = (current: unknown, depth: number): boolean => {
      nodes++;
      if (typeof current === 'string') return current.length <= RECORD_LIMITS.maxStringLength;
      if (typeof current !== 'object' || current === null) return true;
      if (depth > RECORD_LIMITS.maxDepth) return false;
      return Object.entries(current).every(([key, item]) => key.length <= RECORD_LIMITS.maxStringLength && within(item, depth + 1));
    };
    return within(value, 1) && nodes <= RECORD_LIMITS.maxNodes;
  }
  const long = 'x'.repeat(RECORD_LIMITS.maxStringLength + 1);
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }),
    fc
      .tuple(fc.array(fc.boolean(), { minLength: 25, maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([levels, inner]) => levels.reduce<unknown>((nested, inArray) => (inArray ? [nested] : { a: nested }), inner)),
    fc.constantFrom({ [long]: 1 }, [1, long], { many: Array.from({ length: RECORD_LIMITS.maxNodes }, () => 0) }, Array.from({ length: RECORD_LIMITS.maxNodes - 1 }, () => 0)),
  );

  it('finds a problem exactly when the value is beyond a bound, walk after walk', () => {
    fc.assert(
      fc.property(value, (parsed) => {
        const found: { path: string; problem: string }[] = [];
        checkJsonBounds(parsed, found);
        return (found.length === 0) === naiveWithin(parsed);
      }),
      { numRuns: 500 },
    );
  });
});
