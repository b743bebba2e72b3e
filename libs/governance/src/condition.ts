import { Environment, type ParseResult } from '@marcbachmann/cel-js';

/**
 * Rule conditions (`when`): CEL with exactly two variables, `data` (the event data) and
 * `event` (`type`, `source`, `time`). Anything else is an unknown variable.
 */
const environment = new Environment({ limits: { maxAstNodes: 2000, maxDepth: 50 } })
  .registerVariable('data', 'map')
  .registerVariable('event', 'map');

/** Longer conditions are almost certainly a mistake and only cost parse time. */
export const MAX_CONDITION_LENGTH = 4000;

export interface ConditionContext {
  readonly data: unknown;
  readonly event: { readonly type: string; readonly source: string; readonly time: string };
}

/** A compiled condition: true only when the expression evaluates to boolean `true`. */
export type Condition = (context: ConditionContext) => boolean;

/** Why an expression cannot be a condition, without echoing the expression back. */
export function conditionProblem(expression: string): string | undefined {
  if (expression.trim() === '') return 'must be a non-empty CEL expression';
  if (expression.length > MAX_CONDITION_LENGTH) return `must be at most ${MAX_CONDITION_LENGTH} characters`;
  let checked;
  try {
    checked = environment.check(expression);
  } catch (error) {
    return `is not a valid CEL expression (${summarise(error)})`;
  }
  if (!checked.valid) return `is not a valid CEL expression (${summarise(checked.error)})`;
  // `dyn` is what a bare `data.flag` checks as; only a known non-boolean type is certainly wrong.
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return `must evaluate to a boolean, but evaluates to ${String(checked.type)}`;
  }
  return undefined;
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

const NEVER: Condition = () => false;

function buildCondition(expression: string): Condition {
  // Agreements are validated on apply, so this is only defence in depth: fail closed.
  if (conditionProblem(expression) !== undefined) return NEVER;
  let program: ParseResult;
  try {
    program = environment.parse(expression);
  } catch {
    return NEVER;
  }
  return (context) => {
    try {
      const variables = { data: celValueOf(context.data), event: celValueOf(context.event) };
      // Only boolean `true` holds: an evaluation error or any other value counts as false.
      return program(variables) === true;
    } catch {
      return false;
    }
  };
}

/**
 * The CEL evaluator recognises a map by `value.constructor === Object`, so an event with
 * a field named `constructor`, or an object from another realm, would not be a map and
 * every condition on it would fail. Maps have no such ambiguity. Conversions are cached
 * per data object, so the candidates of one event share one; event data is treated as
 * immutable once evaluation starts.
 */
const celValues = new WeakMap<object, unknown>();

function celValueOf(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const cached = celValues.get(value);
  if (cached !== undefined) return cached;
  const converted = toCel(value);
  celValues.set(value, converted);
  return converted;
}

function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'object' && value !== null) {
    const map = new Map<string, unknown>();
    for (const key of Object.keys(value)) map.set(key, toCel((value as Record<string, unknown>)[key]));
    return map;
  }
  return value;
}
