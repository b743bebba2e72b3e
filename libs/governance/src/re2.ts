import { RE2JS, RE2JSSyntaxException } from 're2js';

/**
 * The regular expressions of conditions (`matches`): RE2 semantics, as CEL specifies, on a
 * linear-time engine. JavaScript's RegExp backtracks, so a pattern like `^(a+)+$` takes
 * time exponential in the input; RE2 takes time linear in it, and has no backreferences or
 * lookaround to offer in exchange.
 */

/** Longer patterns only cost compile time; no sensible condition needs one. */
export const MAX_PATTERN_LENGTH = 512;

/**
 * RE2's own measure of a compiled pattern's cost (instructions): matching does at most this
 * much work per input character. `a{1000}` is short but compiles to 1000 instructions.
 */
export const MAX_PATTERN_PROGRAM_SIZE = 2000;

/** A compiled pattern, or why the pattern cannot be one (never quoting it). */
export type CompiledPattern = { readonly ok: true; readonly pattern: RE2JS } | { readonly ok: false; readonly problem: string };

/**
 * Compiled patterns keyed by their text, failures included: a pattern taken from event data
 * is compiled once however many events carry it. Bounded so distinct patterns from event
 * data cannot grow it without limit.
 */
const compiled = new Map<string, CompiledPattern>();
const MAX_COMPILED_PATTERNS = 1000;

export function compilePattern(text: string): CompiledPattern {
  const cached = compiled.get(text);
  if (cached) return cached;
  const result = compileUncached(text);
  if (compiled.size >= MAX_COMPILED_PATTERNS) compiled.clear();
  compiled.set(text, result);
  return result;
}

function compileUncached(text: string): CompiledPattern {
  if (text.length > MAX_PATTERN_LENGTH) return { ok: false, problem: `is longer than ${MAX_PATTERN_LENGTH} characters` };
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(text);
  } catch (error) {
    // The description is RE2's fixed wording; the exception's message would quote the pattern.
    const reason = error instanceof RE2JSSyntaxException ? error.error : 'cannot be compiled';
    return { ok: false, problem: `is not an RE2 regular expression (${reason}; backreferences and lookaround are not supported)` };
  }
  if (pattern.programSize() > MAX_PATTERN_PROGRAM_SIZE) {
    return { ok: false, problem: `compiles to more than ${MAX_PATTERN_PROGRAM_SIZE} RE2 instructions` };
  }
  return { ok: true, pattern };
}
