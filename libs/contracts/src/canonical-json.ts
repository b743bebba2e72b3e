/*
 * The one canonical JSON of Accord (RFC 8785, the JSON Canonicalization Scheme): what the
 * audit chain hashes a decision row as, what a released payload's digest and a pseudonym of
 * a non-string value are taken over, and what an agreement's digest is taken over. For JSON
 * data it is exactly RFC 8785: object members sorted by the UTF-16 code units of their
 * names at every level, arrays in order, strings and numbers as ECMAScript's
 * `JSON.stringify` writes them, no whitespace.
 *
 * Beyond JSON data, two values have a fixed spelling because the audit chain's stored hashes
 * depend on it: `undefined` (a missing field, an array hole, an object member) is written
 * as `null`, and a Date as its ISO string (as its `toJSON` gives it). Everything else that
 * is not JSON (NaN, Infinity, bigint, functions, symbols, Maps, class instances, an invalid
 * Date) throws, rather than silently colliding with another value.
 */

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and surrogates (lone ones are escaped). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A value that has no canonical JSON. The message names its kind, never the value. */
export class CanonicalJsonError extends Error {
  constructor(what: string) {
    super(`cannot canonicalise ${what}`);
    this.name = 'CanonicalJsonError';
  }
}

/** The canonical JSON text of a value (see above); throws CanonicalJsonError for what has none. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      // Most values (ids, codes, hashes, timestamps) need no escaping: quoting them is
      // what JSON.stringify would write, at a fraction of its cost per call.
      return NEEDS_ESCAPING.test(value) ? JSON.stringify(value) : '"' + value + '"';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`the number ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      return canonicalObject(value);
    default:
      throw new CanonicalJsonError(`a ${typeof value}`);
  }
}

function canonicalObject(value: object): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  // Tag and prototype-depth checks, not instanceof, so values from another realm (vm, worker) still count.
  if (Object.prototype.toString.call(value) === '[object Date]') {
    const date = value as Date;
    if (Number.isNaN(date.getTime())) throw new CanonicalJsonError('an invalid Date');
    return JSON.stringify(date.toISOString());
  }
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) throw new CanonicalJsonError('a non-plain object');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  // Usually built in sorted order already (sorting allocates even then). The default sort
  // and `>` both compare UTF-16 code units, which is RFC 8785's order.
  if (!isSorted(keys)) keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += (i === 0 ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(record[key]);
  }
  return out + '}';
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}
