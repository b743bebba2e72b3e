import type { Problem } from './problems';

/**
 * What one record may be (CONTRACT.md §2): every byte of it comes from a partner, so its
 * size, nesting and strings are bounded before anything else reads it. Sizes in UTF-8
 * bytes, lengths in UTF-16 code units (what JavaScript measures).
 */
export const RECORD_LIMITS = {
  /** The value (the event data as JSON). */
  maxValueBytes: 256 * 1024,
  /** Objects and arrays nested inside each other, the data object itself being depth 1. */
  maxDepth: 32,
  /** Any one string in the data, and any one object key. */
  maxStringLength: 16 * 1024,
  /** Values (objects, arrays, strings, numbers, booleans, nulls) in the data, all told. */
  maxNodes: 20_000,
  /** The record key. */
  maxKeyBytes: 256,
  /** One header value. */
  maxHeaderBytes: 1024,
  /** Headers on one record. */
  maxHeaders: 64,
} as const;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The record's bytes as text when they are valid UTF-8 within `maxBytes`; otherwise a
 * problem at `path` (never quoting the bytes).
 */
export function boundedText(value: Buffer | string, path: string, maxBytes: number, problems: Problem[]): string | undefined {
  const size = Buffer.isBuffer(value) ? value.length : Buffer.byteLength(value, 'utf8');
  if (size > maxBytes) {
    problems.push({ path, problem: `must be at most ${maxBytes} bytes` });
    return undefined;
  }
  if (!Buffer.isBuffer(value)) return value;
  try {
    return STRICT_UTF8.decode(value);
  } catch {
    problems.push({ path, problem: 'must be valid UTF-8' });
    return undefined;
  }
}

/**
 * The deepest nesting of `[` and `{` in JSON text, outside strings: a linear scan with no
 * recursion, so it is safe to run on text that would overflow a recursive parser or walker.
 * Stops counting once `limit` is passed.
 */
export function jsonNestingDepth(text: string, limit: number = RECORD_LIMITS.maxDepth): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      depth++;
      if (depth > deepest && (deepest = depth) > limit) return deepest;
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}

/**
 * The value parsed as JSON when it is within every record bound, checked in an order that
 * never lets the parser or a walker meet input beyond them: size and UTF-8, then nesting
 * on the text, then parse, then strings and node count. Otherwise undefined, with the
 * problems (never quoting the value).
 */
export function boundedJson(value: Buffer | string, problems: Problem[], path = 'value'): unknown {
  const before = problems.length;
  const text = boundedText(value, path, RECORD_LIMITS.maxValueBytes, problems);
  if (text === undefined) return undefined;
  if (jsonNestingDepth(text) > RECORD_LIMITS.maxDepth) {
    problems.push({ path, problem: `must nest objects and arrays at most ${RECORD_LIMITS.maxDepth} deep` });
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input, which may be personal data.
    problems.push({ path, problem: 'is not valid JSON' });
    return undefined;
  }
  checkJsonBounds(parsed, problems);
  return problems.length > before ? undefined : parsed;
}

/**
 * Checks a parsed value against the string and node limits without recursion (the depth
 * was checked on the text). Adds at most one problem per limit, naming the first path.
 */
export function checkJsonBounds(value: unknown, problems: Problem[], base = ''): void {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path: base }];
  let nodes = 0;
  let longString: string | undefined;
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (++nodes > RECORD_LIMITS.maxNodes) {
      problems.push({ path: base || 'value', problem: `must hold at most ${RECORD_LIMITS.maxNodes} values` });
      break;
    }
    if (typeof current === 'string') {
      if (current.length > RECORD_LIMITS.maxStringLength && longString === undefined) longString = path;
    } else if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index--) stack.push({ value: current[index], path: join(path, String(index)) });
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index]!;
        // A key is named by its position: a long key may itself be the personal data.
        if (key.length > RECORD_LIMITS.maxStringLength && longString === undefined) longString = join(path, `<key ${index}>`);
        stack.push({ value: (current as Record<string, unknown>)[key], path: join(path, NAME_LIKE.test(key) ? key : `<key ${index}>`) });
      }
    }
  }
  if (longString !== undefined) {
    problems.push({ path: longString || 'value', problem: `strings must be at most ${RECORD_LIMITS.maxStringLength} characters` });
  }
}

/** A key that reads like a field name may appear in a problem's path; any other is named by its position. */
const NAME_LIKE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function join(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}

/** A header value with a control character (other than none at all) is refused: it could forge log lines or split fields downstream. */
export function hasControlCharacter(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}
