import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { assertAstInternals, prepare, rootOf, type Meter } from './cel-ast';
import { compilePattern } from './re2';

/*
 * Rule conditions (`when`): CEL with exactly two variables, `data` (the event data) and
 * `event` (`type`, `source`, `time`). Anything else is an unknown variable.
 *
 * A condition runs on the broker's event loop for every event of its type, on data a
 * partner chose, so its cost is bounded three ways:
 * - on apply, an expression that is too large or nests loops too deeply is refused, and
 *   `matches` patterns must compile as RE2 (linear-time matching, no backtracking);
 * - on evaluation, the data reaching the evaluator is bounded, and every node evaluated
 *   is charged against MAX_CONDITION_COST (more for large values): the evaluation stops
 *   when the budget is spent;
 * - the wall-clock time of each evaluation is measured and reported with a failure, but it
 *   never decides: the same event under the same agreement gets the same decision on a
 *   loaded machine, after a GC pause, and in the audit evaluator's replay. The cost budget
 *   is what bounds the time (tens of milliseconds at most on this project's machines).
 * Over budget, or an evaluation error, the condition does not hold (fail closed) and the
 * caller is told why, so it can be counted and named.
 */

/** Longer conditions are almost certainly a mistake and only cost parse time. */
export const MAX_CONDITION_LENGTH = 4000;

/** Loops (`all`, `exists`, `exists_one`, `map`, `filter`) in one condition. */
export const MAX_COMPREHENSIONS = 8;

/** A loop inside another loop's body is nesting 2; one more level multiplies the work again. */
export const MAX_COMPREHENSION_NESTING = 2;

/**
 * Cost units one evaluation may spend: a unit per node evaluated, plus, where a value's size
 * is what an operation costs (comparisons, function calls, concatenation, building lists and
 * maps), a unit per list element or map entry and per 16 characters, and a unit per 2
 * characters a regular expression reads. A condition of the shape agreements use costs tens.
 */
export const MAX_CONDITION_COST = 50_000;

/**
 * The event data a condition may read (docs/contract.md, "The envelope", bounds every record
 * the broker consumes the same way; other callers get the same bound here). Larger data is
 * over budget.
 */
export const MAX_CONDITION_DATA = { depth: 32, stringLength: 16 * 1024, values: 20_000 } as const;

const STRING_CHARACTERS_PER_UNIT = 16;
const MATCHED_CHARACTERS_PER_UNIT = 2;

export interface ConditionContext {
  readonly data: unknown;
  readonly event: { readonly type: string; readonly source: string; readonly time: string };
}

/** Why a condition did not hold although it might have: never the data, never the expression. */
export interface ConditionFailure {
  /** `error`: the evaluation failed or gave no boolean; `over-budget`: too much data or cost. */
  readonly kind: 'error' | 'over-budget';
  /** Wall-clock time of the evaluation, in milliseconds. */
  readonly ms: number;
}

/**
 * A compiled condition: true only when the expression evaluates to boolean `true` within
 * budget. When it does not hold because of a failure, `onFailure` is told.
 */
export type Condition = (context: ConditionContext, onFailure?: (failure: ConditionFailure) => void) => boolean;

/** Spent by the evaluation under way: evaluations are synchronous, one at a time. */
let spent = 0;
let exhausted = false;

/**
 * Thrown into the evaluator when the budget is spent; the evaluation's outcome is decided
 * by `exhausted`, whatever CEL makes of the error. One instance: a loop that absorbs errors
 * meets it once per step, and capturing a stack each time would cost more than the budget.
 */
const BUDGET_EXCEEDED = new Error('condition evaluation over budget');

function charge(units: number): void {
  spent += units;
  if (spent > MAX_CONDITION_COST) {
    exhausted = true;
    throw BUDGET_EXCEEDED;
  }
}

const meter: Meter = {
  enter() {
    // Once spent, nothing more is evaluated, even where CEL would absorb the error (`||`, `exists`).
    if (exhausted) throw BUDGET_EXCEEDED;
    charge(1);
  },
  leave(value, sized) {
    if (sized) charge(sizeOf(value));
  },
};

/** `matches` with RE2 semantics; the only overload, for both `matches(s, p)` and `s.matches(p)`. */
function matches(input: string, pattern: string): boolean {
  const regex = compilePattern(pattern);
  // The message quotes neither the pattern nor the input: both may be event data.
  if (!regex.ok) throw new Error(`matches: the pattern ${regex.problem}`);
  charge(Math.ceil(input.length / MATCHED_CHARACTERS_PER_UNIT));
  return regex.pattern.test(input);
}

const environment = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 50 } })
  .registerVariable('data', 'map')
  .registerVariable('event', 'map')
  .registerFunction('matches(string, string): bool', matches);
const internals = assertAstInternals(environment);

/** A parsed, prepared and type-checked expression, or every reason it cannot be a condition. */
type Compiled = { readonly ok: true; readonly program: ParseResult } | { readonly ok: false; readonly problems: readonly string[] };

function compile(expression: string): Compiled {
  if (expression.trim() === '') return { ok: false, problems: ['must be a non-empty CEL expression'] };
  if (expression.length > MAX_CONDITION_LENGTH) return { ok: false, problems: [`must be at most ${MAX_CONDITION_LENGTH} characters`] };
  let program: ParseResult;
  try {
    program = environment.parse(expression);
  } catch (error) {
    return { ok: false, problems: [`is not a valid CEL expression (${summarise(error)})`] };
  }
  const shape = prepare(rootOf(program), internals, meter);
  const problems = new Set<string>();
  if (shape.comprehensions > MAX_COMPREHENSIONS) {
    problems.add(`must use at most ${MAX_COMPREHENSIONS} comprehensions (all, exists, exists_one, map, filter), not ${shape.comprehensions}`);
  }
  if (shape.comprehensionNesting > MAX_COMPREHENSION_NESTING) {
    problems.add(`must nest comprehensions at most ${MAX_COMPREHENSION_NESTING} deep, not ${shape.comprehensionNesting}`);
  }
  for (const pattern of shape.literalPatterns) {
    const regex = compilePattern(pattern);
    if (!regex.ok) problems.add(`has a matches pattern that ${regex.problem}`);
  }
  const checked = program.check();
  if (!checked.valid) problems.add(`is not a valid CEL expression (${summarise(checked.error)})`);
  // `dyn` is what a bare `data.flag` checks as; only a known non-boolean type is certainly wrong.
  else if (checked.type !== 'bool' && checked.type !== 'dyn') problems.add(`must evaluate to a boolean, but evaluates to ${String(checked.type)}`);
  return problems.size > 0 ? { ok: false, problems: [...problems] } : { ok: true, program };
}

/** Every reason an expression cannot be a condition, without echoing the expression back; empty when it can. */
export function conditionProblems(expression: string): readonly string[] {
  const compiled = compile(expression);
  return compiled.ok ? [] : compiled.problems;
}

function summarise(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as Error & { summary?: unknown }).summary;
    const text = typeof summary === 'string' && summary !== '' ? summary : error.message;
    return text.split('\n')[0] ?? 'unknown error';
  }
  return 'unknown error';
}

/**
 * Compiled conditions keyed by their text: the compiled form depends only on the text
 * (the environment is fixed), so every agreement version using an expression shares one
 * compilation. Bounded so a stream of distinct agreements cannot grow it without limit.
 */
const compiled = new Map<string, Condition>();
const MAX_COMPILED = 10_000;

/** Compiles once and caches; an expression that does not compile yields a condition that never holds. */
export function compileCondition(expression: string): Condition {
  const cached = compiled.get(expression);
  if (cached) return cached;
  const condition = buildCondition(expression);
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(expression, condition);
  return condition;
}

interface Outcome {
  readonly holds: boolean;
  readonly failure?: ConditionFailure;
}

const INVALID: Outcome = { holds: false, failure: { kind: 'error', ms: 0 } };
const DATA_TOO_LARGE: Outcome = { holds: false, failure: { kind: 'over-budget', ms: 0 } };

function buildCondition(expression: string): Condition {
  const result = compile(expression);
  // Agreements are validated on apply, so this is defence in depth: fail closed, and say so.
  if (!result.ok) return (_context, onFailure) => report(INVALID, onFailure);
  const { program } = result;
  /**
   * The outcome for an event's data, so the candidates of one event (an agreement's
   * recipients) pay for one evaluation; keyed by the data object, checked against the
   * event attributes.
   */
  const outcomes = new WeakMap<object, { event: ConditionContext['event']; outcome: Outcome }>();
  return (context, onFailure) => {
    const known = typeof context.data === 'object' && context.data !== null ? outcomes.get(context.data) : undefined;
    if (known && sameEvent(known.event, context.event)) return report(known.outcome, onFailure);
    const outcome = run(program, context);
    if (typeof context.data === 'object' && context.data !== null) outcomes.set(context.data, { event: context.event, outcome });
    return report(outcome, onFailure);
  };
}

function report(outcome: Outcome, onFailure: ((failure: ConditionFailure) => void) | undefined): boolean {
  if (outcome.failure) onFailure?.(outcome.failure);
  return outcome.holds;
}

const sameEvent = (a: ConditionContext['event'], b: ConditionContext['event']): boolean =>
  a.type === b.type && a.source === b.source && a.time === b.time;

function run(program: ParseResult, context: ConditionContext): Outcome {
  const data = celValueOf(context.data);
  const event = celValueOf(context.event);
  if (data === TOO_LARGE || event === TOO_LARGE) return DATA_TOO_LARGE;
  spent = 0;
  exhausted = false;
  let value: unknown;
  let failed = false;
  const started = performance.now();
  try {
    value = program({ data, event });
  } catch {
    failed = true;
  }
  const ms = performance.now() - started;
  const overBudget = exhausted;
  exhausted = false;
  if (overBudget) return { holds: false, failure: { kind: 'over-budget', ms } };
  // Only boolean `true` holds: an evaluation error or any other value counts as false.
  if (failed || typeof value !== 'boolean') return { holds: false, failure: { kind: 'error', ms } };
  return { holds: value };
}

/**
 * The size of a value in cost units, worked out once per list or map (they are not
 * modified once built: a loop's accumulator is measured only when the loop is done).
 */
const sizes = new WeakMap<object, number>();

function sizeOf(value: unknown): number {
  if (typeof value === 'string') return Math.ceil(value.length / STRING_CHARACTERS_PER_UNIT);
  if (typeof value !== 'object' || value === null) return 0;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  let size = 1;
  if (Array.isArray(value)) for (const item of value) size += 1 + sizeOf(item);
  else if (value instanceof Map) for (const [key, item] of value) size += 1 + sizeOf(key) + sizeOf(item);
  else if (value instanceof Uint8Array) size += Math.ceil(value.length / STRING_CHARACTERS_PER_UNIT);
  // A map literal is a plain object; other objects (durations, timestamps) have no own entries.
  else for (const [key, item] of Object.entries(value)) size += 1 + sizeOf(key) + sizeOf(item);
  sizes.set(value, size);
  return size;
}

/**
 * The CEL evaluator recognises a map by `value.constructor === Object`, so an event with
 * a field named `constructor`, or an object from another realm, would not be a map and
 * every condition on it would fail. Maps have no such ambiguity. Conversions are cached
 * per data object, so the candidates of one event share one; event data is treated as
 * immutable once evaluation starts. Data beyond MAX_CONDITION_DATA converts to TOO_LARGE.
 */
const TOO_LARGE = Symbol('too large');
const celValues = new WeakMap<object, unknown>();

function celValueOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return withinBounds(value) ? value : TOO_LARGE;
  const cached = celValues.get(value);
  if (cached !== undefined) return cached;
  const budget = { values: MAX_CONDITION_DATA.values };
  let converted: unknown;
  try {
    converted = toCel(value, 1, budget);
  } catch (error) {
    if (!(error instanceof DataTooLarge)) throw error;
    converted = TOO_LARGE;
  }
  celValues.set(value, converted);
  return converted;
}

class DataTooLarge extends Error {}

const withinBounds = (value: unknown): boolean => typeof value !== 'string' || value.length <= MAX_CONDITION_DATA.stringLength;

/** Recursion is bounded by MAX_CONDITION_DATA.depth, checked before each level. */
function toCel(value: unknown, depth: number, budget: { values: number }): unknown {
  if (--budget.values < 0) throw new DataTooLarge();
  if (typeof value !== 'object' || value === null) {
    if (!withinBounds(value)) throw new DataTooLarge();
    return value;
  }
  if (depth > MAX_CONDITION_DATA.depth) throw new DataTooLarge();
  if (Array.isArray(value)) return value.map((item) => toCel(item, depth + 1, budget));
  const map = new Map<string, unknown>();
  for (const key of Object.keys(value)) {
    if (!withinBounds(key)) throw new DataTooLarge();
    map.set(key, toCel((value as Record<string, unknown>)[key], depth + 1, budget));
  }
  return map;
}
