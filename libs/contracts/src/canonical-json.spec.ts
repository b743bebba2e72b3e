import { hash } from 'node:crypto';
import fc from 'fast-check';
import { CanonicalJsonError, CanonicalJsonWriter, canonicalJson, sortedInPlace } from './canonical-json';

/*
 * RFC 8785 read naively, straight from its text: members sorted by the UTF-16 code units of
 * their names (§3.2.3), numbers as ECMAScript's Number::toString with -0 as 0 (§3.2.2.3),
 * strings with only `"`, `\` and the controls escaped, the five short escapes where they
 * exist and `\u00xx` in lower case otherwise (§3.2.2.2), literals as they are, no whitespace.
 */
function rfc8785(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Object.is(value, -0) ? '0' : String(value);
  if (typeof value === 'string') return rfc8785String(value);
  if (Array.isArray(value)) return `[${value.map(rfc8785).join(',')}]`;
  const record = value as Record<string, unknown>;
  const names = Object.keys(record).sort(byCodeUnits);
  return `{${names.map((name) => `${rfc8785String(name)}:${rfc8785(record[name])}`).join(',')}}`;
}

/** The two values beyond JSON the audit chain hashes, read naively: undefined (a hole too) as null, a Date as its ISO string. */
function beyondJsonReference(value: unknown): string {
  if (value === undefined) return 'null';
  if (value instanceof Date) return rfc8785String(value.toISOString());
  if (Array.isArray(value)) return `[${Array.from(value, beyondJsonReference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const names = Object.keys(record).sort(byCodeUnits);
    return `{${names.map((name) => `${rfc8785String(name)}:${beyondJsonReference(record[name])}`).join(',')}}`;
  }
  return rfc8785(value);
}

function byCodeUnits(a: string, b: string): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a.charCodeAt(index) - b.charCodeAt(index);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

function rfc8785String(text: string): string {
  let out = '"';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (SHORT_ESCAPES[unit] !== undefined) out += SHORT_ESCAPES[unit];
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[index];
  }
  return `${out}"`;
}

/** Names that exercise the code-unit order: controls, ASCII, Latin-1, a BMP character above the surrogates, an astral one. */
const awkwardText = fc.string({ unit: fc.constantFrom('\r', '\u0000', '"', '\\', '1', 'a', 'B', '\u0080', '\u00f6', '\u20ac', '\ufb33', '\u{1f600}', '\u2028'), maxLength: 4 });

const jsonWithAwkwardNames = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false),
    awkwardText,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(awkwardText, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Values beyond JSON that canonicalJson writes (undefined, a Date, holes, -0, large and fractional numbers). */
const beyondJson = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(undefined, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21, 0.1, new Date(Date.UTC(2026, 3, 1))),
    fc.integer({ min: -1e16, max: 1e16 }),
    awkwardText,
    fc.string({ unit: 'binary', maxLength: 6 }),
    fc.sparseArray(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 3 }), tie('value'), { maxKeys: 40 }),
  ),
})).value;

describe('canonicalJson (RFC 8785)', () => {
  it('is RFC 8785 for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'grapheme' }), (value) => canonicalJson(value) === rfc8785(value)), { numRuns: 3000 });
    fc.assert(fc.property(jsonWithAwkwardNames, (value) => canonicalJson(value) === rfc8785(value)), { numRuns: 3000 });
  });

  it('writes the RFC’s own example of numbers, strings and literals as the RFC does', () => {
    const input = String.raw`{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`;
    expect(canonicalJson(JSON.parse(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  it('sorts names as the RFC’s example does: by UTF-16 code unit, so an astral character comes before U+FB33', () => {
    const input = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\u{1f600}': 5, '\u0080': 6, '\u00f6': 7 };
    expect(canonicalJson(input)).toBe(`{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\u{1f600}":5,"\ufb33":3}`);
  });

  it('writes undefined as null and a Date as its ISO string, the two values beyond JSON the audit chain hashes', () => {
    expect(canonicalJson({ b: [undefined, 1], a: new Date(Date.UTC(2026, 3, 1)), c: undefined })).toBe('{"a":"2026-04-01T00:00:00.000Z","b":[null,1],"c":null}');
    expect(canonicalJson(undefined)).toBe('null');
    fc.assert(fc.property(beyondJson, (value) => canonicalJson(value) === beyondJsonReference(value)), { numRuns: 2000 });
  });

  it('refuses what is not JSON rather than writing it as something else', () => {
    class Instance {
      field = 1;
    }
    for (const value of [NaN, -Infinity, 1n, () => 1, Symbol('s'), new Map(), new Set(), new Instance(), new Date(NaN)]) {
      expect(() => canonicalJson({ value })).toThrow(CanonicalJsonError);
    }
    expect(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });
});

describe('CanonicalJsonWriter', () => {
  const hasher = new CanonicalJsonWriter();
  const sha256 = (text: string) => hash('sha256', text, 'hex');
  /** The error `run` throws, or undefined. */
  const thrown = (run: () => unknown): unknown => {
    try {
      run();
      return undefined;
    } catch (error) {
      return error;
    }
  };


  it('hashes the UTF-8 of canonicalJson, for any value', () => {
    const same = (value: unknown) => hasher.start().json(value).digest('sha256') === sha256(canonicalJson(value));
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'grapheme' }), same), { numRuns: 2000 });
    fc.assert(fc.property(jsonWithAwkwardNames, same), { numRuns: 2000 });
    fc.assert(fc.property(beyondJson, same), { numRuns: 2000 });
  });

  it('hashes text and values written one after another as their concatenation, lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), beyondJson), { maxLength: 5 }), (parts) => {
        hasher.start();
        let text = '';
        for (const [literal, value] of parts) {
          hasher.text(literal).json(value);
          text += literal + canonicalJson(value);
        }
        return hasher.digest('sha256') === sha256(text);
      }),
      { numRuns: 2000 },
    );
  });

  it('grows for a large value and starts afresh after it', () => {
    const large = { list: Array.from({ length: 50_000 }, (_, index) => `item ${index} \u00e9`) };
    expect(hasher.start().json(large).digest('sha256')).toBe(sha256(canonicalJson(large)));
    expect(hasher.start().json({ b: 1, a: 'x' }).digest('sha256')).toBe(sha256('{"a":"x","b":1}'));
  });

  it('refuses what canonicalJson refuses, with the same error', () => {
    class Instance {
      field = 1;
    }
    for (const value of [NaN, -Infinity, 1n, () => 1, Symbol('s'), new Map(), new Set(), new Instance(), new Date(NaN)]) {
      const expected = thrown(() => canonicalJson({ a: 1, value }));
      expect(expected).toBeInstanceOf(CanonicalJsonError);
      expect(thrown(() => hasher.start().json({ a: 1, value }))).toEqual(expected);
    }
  });
});

describe('sortedInPlace', () => {
  it('sorts as the default sort does, in place, for any strings (duplicates, surrogates, long lists)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 4 }), { maxLength: 40 }), (strings) => {
        const copy = [...strings];
        return sortedInPlace(copy) === copy && JSON.stringify(copy) === JSON.stringify([...strings].sort());
      }),
      { numRuns: 3000 },
    );
  });
});
