import fc from 'fast-check';
import { EVENT_TYPES, exampleEventData, validateEventData } from '@accord/contracts';
import { acceptEventData } from './fast-validation';

const publisherOf = (type: string) => {
  const system = EVENT_TYPES.get(type)!.publisherSystem;
  return system === 'nhs' ? 'uhs.discharge-hub' : `test-org.${system}`;
};
const TYPES = [...EVENT_TYPES.keys()];

/** Values that probe the rules: identifiers, dates, lengths, kinds. */
const tricky = fc.oneof(
  fc.constantFrom(
    null, '', ' ', 'x'.repeat(129), 'x'.repeat(1001), 0, -1, 1.5, 1e9, true, false, [], {}, ['neglect'], ['neglect', 'nope'],
    '9434765919', '943 476 5919', '9434765918', 'ab123456c', 'AB 12 34 56 C', 'QQ123456X', 'so16 7xx', 'SO167XX', 'SO16', '100060712345', '1234567890123',
    '2026-02-30', '2026-11-28', '2099-01-01', '2026-11-28T10:00:00Z', '2026-11-28T10:00:00', 'long-term-residential', 'community', 'never',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation = { path: string[]; value: unknown; remove: boolean };

function mutate(data: Record<string, unknown>, mutations: Mutation[]): unknown {
  for (const { path, value, remove } of mutations) {
    let target: any = data;
    for (const segment of path.slice(0, -1)) {
      if (typeof target[segment] !== 'object' || target[segment] === null) target[segment] = {};
      target = target[segment];
    }
    const last = path[path.length - 1]!;
    if (remove) delete target[last];
    else target[last] = value;
  }
  return JSON.parse(JSON.stringify(data));
}

function pathsOf(type: string): string[][] {
  const example = exampleEventData(type);
  const fieldPaths = EVENT_TYPES.get(type)!.fields.map((field) => [field.path]);
  const subject = ['localId', 'nhsNumber', 'niNumber', 'name', 'dateOfBirth', 'gender', 'postcode', 'uprn', 'unexpected'].map((key) => ['subject', key]);
  return [...fieldPaths, ...subject, ['subject', 'name', 'given'], ['subject', 'name', 'nickname'], ['subject'], ['unexpected'], ...Object.keys(example).map((key) => [key])];
}

describe('acceptEventData', () => {
  it.each(TYPES)('accepts the example of %s exactly as validateEventData does', (type) => {
    const data = JSON.parse(JSON.stringify(exampleEventData(type)));
    const slow = validateEventData(type, data, { publisher: publisherOf(type) });
    expect(slow.ok).toBe(true);
    expect(acceptEventData(type, data, publisherOf(type))).toEqual(slow);
  });

  it('normalises identifiers as validateEventData does', () => {
    const data = exampleEventData('asc.service.started.v1');
    data.subject = { localId: 'p-1', nhsNumber: '943 476 5919', postcode: 'so16 7xx', name: { given: 'Ada', family: null } };
    expect(acceptEventData('asc.service.started.v1', data, 'test.adult-social-care')).toEqual(
      validateEventData('asc.service.started.v1', data, { publisher: 'test.adult-social-care' }),
    );
  });

  it('leaves what it does not accept to validateEventData: unknown types, wrong publishers, bad data', () => {
    expect(acceptEventData('no.such.type.v1', {}, 'test.adult-social-care')).toBeUndefined();
    expect(acceptEventData('rb.housing-benefit.assessed.v1', exampleEventData('rb.housing-benefit.assessed.v1'), 'test.adult-social-care')).toBeUndefined();
    const bad = exampleEventData('asc.service.started.v1');
    (bad.subject as Record<string, unknown>).nhsNumber = '9434765918';
    expect(acceptEventData('asc.service.started.v1', bad, 'test.adult-social-care')).toBeUndefined();
  });

  it('never accepts what validateEventData rejects, and accepts with the same value', () => {
    let accepted = 0;
    let missed = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...TYPES).chain((type) =>
          fc.tuple(
            fc.constant(type),
            fc.array(fc.record({ path: fc.constantFrom(...pathsOf(type)), value: tricky, remove: fc.boolean() }), { maxLength: 3 }),
          ),
        ),
        ([type, mutations]) => {
          const data = mutate(exampleEventData(type), mutations);
          const fast = acceptEventData(type, data, publisherOf(type));
          const slow = validateEventData(type, data, { publisher: publisherOf(type) });
          if (fast === undefined) {
            // Valid but not taken by the fast path would only cost speed; count it to keep the path useful.
            if (slow.ok) missed++;
            return;
          }
          accepted++;
          expect(slow).toEqual(fast);
        },
      ),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(1000);
    expect(missed).toBe(0);
  });
});
