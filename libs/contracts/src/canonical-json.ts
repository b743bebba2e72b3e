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

import { hash } from 'node:crypto';

/** Characters JSON.stringify escapes in a string: quote, backslash, controls, and surrogates (lone ones are escaped). */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A value that has no canonical JSON. The message names its kind, never the value. */
export class CanonicalJsonError extends Error {
  constructor(what: string) {
    super(`cannot canonicalise ${what}`);
    this.name = 'CanonicalJsonError';
  }
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Bytes a writer keeps between calls; one that grew past this for a large value starts afresh. */
const WRITER_KEPT_BYTES = 1 << 20;

/**
 * The one writer of canonical JSON: the UTF-8 bytes of each value (and of any literal text
 * between values) go into one buffer reused from one call to the next, then come out as a
 * digest (`digest`: a hash of canonical JSON without the text ever being a string, as the
 * audit chain and payload digests take it on the hot path) or as text (`output`, which is
 * `canonicalJson`). Refuses what has no canonical JSON with CanonicalJsonError.
 * Synchronous, so one instance per module serves every caller.
 */
export class CanonicalJsonWriter {
  private bytes = Buffer.allocUnsafe(16_384);
  private length = 0;

  /** Starts a new hash, forgetting what was written. */
  start(): this {
    this.length = 0;
    return this;
  }

  /** Literal text, as its UTF-8 bytes (no quoting, no escaping). */
  text(text: string): this {
    this.reserve(text.length * 3);
    this.writeText(text);
    return this;
  }

  /** `canonicalJson(value)`, as its UTF-8 bytes. */
  json(value: unknown): this {
    if (value === null || value === undefined) return this.text('null');
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'boolean':
        return this.text(value ? 'true' : 'false');
      case 'number':
        if (!Number.isFinite(value)) throw new CanonicalJsonError(`the number ${String(value)}`);
        return Number.isSafeInteger(value) ? this.integer(value) : this.text(JSON.stringify(value));
      case 'object':
        return this.object(value);
      default:
        throw new CanonicalJsonError(`a ${typeof value}`);
    }
  }

  /** The hex digest of what was written since `start`. */
  digest(algorithm: string): string {
    const digest = hash(algorithm, this.bytes.subarray(0, this.length), 'hex');
    this.reset();
    return digest;
  }

  /**
   * What was written since `start`, as text. Exact: every string is written as valid UTF-16
   * (JSON.stringify escapes a lone surrogate), so its UTF-8 reads back unchanged.
   */
  output(): string {
    const text = this.bytes.toString('utf8', 0, this.length);
    this.reset();
    return text;
  }

  private reset(): void {
    if (this.bytes.length > WRITER_KEPT_BYTES) this.bytes = Buffer.allocUnsafe(16_384);
    this.length = 0;
  }

  private string(value: string): this {
    if (NEEDS_ESCAPING.test(value)) return this.text(JSON.stringify(value));
    this.reserve(value.length * 3 + 2);
    this.bytes[this.length++] = 0x22;
    this.writeText(value);
    this.bytes[this.length++] = 0x22;
    return this;
  }

  /** A safe integer as JSON.stringify writes it (-0 as 0). */
  private integer(value: number): this {
    if (value === 0) return this.text('0');
    this.reserve(17);
    if (value < 0) {
      this.bytes[this.length++] = 0x2d;
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let index = this.length + digits - 1; index >= this.length; index--) {
      this.bytes[index] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    }
    this.length += digits;
    return this;
  }

  private object(value: object): this {
    if (Array.isArray(value)) {
      this.text('[');
      for (let i = 0; i < value.length; i++) {
        if (i > 0) this.text(',');
        this.json(value[i]);
      }
      return this.text(']');
    }
    // Tag and prototype-depth checks, not instanceof, so values from another realm (vm, worker) still count.
    if (Object.prototype.toString.call(value) === '[object Date]') {
      const date = value as Date;
      if (Number.isNaN(date.getTime())) throw new CanonicalJsonError('an invalid Date');
      return this.text(JSON.stringify(date.toISOString()));
    }
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype !== null && Object.getPrototypeOf(prototype) !== null) throw new CanonicalJsonError('a non-plain object');
    const record = value as Record<string, unknown>;
    const keys = sortedInPlace(Object.keys(record));
    this.text('{');
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (i > 0) this.text(',');
      this.string(key).text(':').json(record[key]);
    }
    return this.text('}');
  }

  /** Copies ASCII byte by byte; text with any other character goes through the UTF-8 encoder. Room is reserved. */
  private writeText(text: string): void {
    const start = this.length;
    const bytes = this.bytes;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit > 0x7f) {
        this.length = start + bytes.write(text, start, 'utf8');
        return;
      }
      bytes[start + i] = unit;
    }
    this.length = start + text.length;
  }

  /** Room for `count` more bytes (a UTF-16 code unit takes at most 3 in UTF-8). */
  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + count));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
}

/** Writes the canonical JSON of one value at a time (a value never refers back to a writer, so one serves every call). */
const textWriter = new CanonicalJsonWriter();

/** The canonical JSON text of a value (see above); throws CanonicalJsonError for what has none. */
export function canonicalJson(value: unknown): string {
  return textWriter.start().json(value).output();
}

/**
 * Sorts strings in place in the default sort's order (by UTF-16 code units, which is
 * RFC 8785's) and returns them: an insertion sort for the few strings an object's keys or
 * an event's paths usually are, where Array.prototype.sort allocates a work copy.
 */
export function sortedInPlace(strings: string[]): string[] {
  if (isSorted(strings)) return strings;
  if (strings.length > 32) return strings.sort();
  for (let i = 1; i < strings.length; i++) {
    const text = strings[i]!;
    let j = i - 1;
    for (; j >= 0 && strings[j]! > text; j--) strings[j + 1] = strings[j]!;
    strings[j + 1] = text;
  }
  return strings;
}
