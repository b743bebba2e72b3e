import type { Problem } from './problems';

/**
 * What one record may be (docs/contract.md, "The envelope"): every byte of it comes
 * from a partner, so its size, nesting and strings are bounded before anything else
 * reads it. Sizes in UTF-8 bytes, lengths in UTF-16 code units (what JavaScript
 * measures).
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
 * The value parsed as JSON when it is within every record bound, checked in an order that
 * never lets anything meet input beyond them: size and UTF-8 first, then parse, then one
 * walk for nesting, strings and node count. V8's JSON.parse is iterative (no recursion,
 * whatever the nesting: a 1 MB array nested 500,000 deep parses), and its work is bounded
 * by the size checked before it; every walker after this one may recurse, as the nesting
 * is bounded by then. Otherwise undefined, with the problems (never quoting the value).
 */
export function boundedJson(value: Buffer | string, problems: Problem[], path = 'value'): unknown {
  const before = problems.length;
  const text = boundedText(value, path, RECORD_LIMITS.maxValueBytes, problems);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse's own message quotes the input, which may be personal data.
    problems.push({ path, problem: 'is not valid JSON' });
    return undefined;
  }
  checkJsonBounds(parsed, problems, '', path);
  return problems.length > before ? undefined : parsed;
}

/**
 * Checks a parsed value against the nesting, string and node limits without recursion.
 * Nesting too deep is the only problem then (`depthPath` names it: nothing under it is
 * looked at); otherwise at most one problem per limit, naming the first path. Values
 * within every bound — nearly all — take one walk that builds no path.
 */
export function checkJsonBounds(value: unknown, problems: Problem[], base = '', depthPath = base || 'value'): void {
  if (withinJsonBounds(value)) return;
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: base, depth: 1 }];
  let nodes = 0;
  let longString: string | undefined;
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    if (++nodes > RECORD_LIMITS.maxNodes) {
      problems.push({ path: base || 'value', problem: `must hold at most ${RECORD_LIMITS.maxNodes} values` });
      break;
    }
    if (typeof current === 'string') {
      if (current.length > RECORD_LIMITS.maxStringLength && longString === undefined) longString = path;
    } else if (typeof current === 'object' && current !== null) {
      if (depth > RECORD_LIMITS.maxDepth) {
        problems.push({ path: depthPath, problem: `must nest objects and arrays at most ${RECORD_LIMITS.maxDepth} deep` });
        return;
      }
      if (Array.isArray(current)) {
        for (let index = current.length - 1; index >= 0; index--) stack.push({ value: current[index], path: join(path, String(index)), depth: depth + 1 });
      } else {
        const keys = Object.keys(current);
        for (let index = keys.length - 1; index >= 0; index--) {
          const key = keys[index]!;
          // A key is named by its position: a long key may itself be the personal data.
          if (key.length > RECORD_LIMITS.maxStringLength && longString === undefined) longString = join(path, `<key ${index}>`);
          stack.push({ value: (current as Record<string, unknown>)[key], path: join(path, NAME_LIKE.test(key) ? key : `<key ${index}>`), depth: depth + 1 });
        }
      }
    }
  }
  if (longString !== undefined) {
    problems.push({ path: longString || 'value', problem: `strings must be at most ${RECORD_LIMITS.maxStringLength} characters` });
  }
}

/**
 * The walk's stacks, kept from one record to the next (a walk is synchronous): they grow to
 * the largest record's needs once, instead of growing from empty for every record.
 */
const pendingValues: unknown[] = [];
const pendingDepths: number[] = [];

/** True when `value` is within the nesting, string and node limits: the same walk as checkJsonBounds, naming nothing. */
function withinJsonBounds(value: unknown): boolean {
  let top = 0;
  let highest = 0;
  pendingValues[top] = value;
  pendingDepths[top++] = 1;
  let nodes = 0;
  try {
    while (top > 0) {
      if (top > highest) highest = top;
      const current = pendingValues[--top];
      const depth = pendingDepths[top]!;
      if (++nodes > RECORD_LIMITS.maxNodes) return false;
      if (typeof current === 'string') {
        if (current.length > RECORD_LIMITS.maxStringLength) return false;
      } else if (typeof current === 'object' && current !== null) {
        if (depth > RECORD_LIMITS.maxDepth) return false;
        if (Array.isArray(current)) {
          for (let index = 0; index < current.length; index++) {
            pendingValues[top] = current[index];
            pendingDepths[top++] = depth + 1;
          }
        } else {
          const keys = Object.keys(current);
          for (let index = 0; index < keys.length; index++) {
            const key = keys[index]!;
            if (key.length > RECORD_LIMITS.maxStringLength) return false;
            pendingValues[top] = (current as Record<string, unknown>)[key];
            pendingDepths[top++] = depth + 1;
          }
        }
      }
    }
    return true;
  } finally {
    // Hold on to no record's data between walks.
    pendingValues.fill(undefined, 0, Math.max(highest, top));
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
