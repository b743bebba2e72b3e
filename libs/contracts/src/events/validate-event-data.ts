import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { mayPublish } from '../event-catalog';
import { isJsonObject } from '../formats';
import type { Problem } from '../problems';
import { eventTypeDefinitions } from './definition';
import { ENUM_ARRAY_CONSTRAINT } from './fields';
import type { EventDataDto } from './subject.dto';

export type EventDataClass = new () => EventDataDto;

/** Event type → the class-validator class of its data: the classes `@EventType` registered (event-catalog.ts imports them all). */
export const EVENT_DATA_CLASSES: ReadonlyMap<string, EventDataClass> = new Map(
  eventTypeDefinitions().map((definition) => [definition.type, definition.dataClass as EventDataClass]),
);

/** The problem of a key the event type does not have. */
export const NOT_A_FIELD = 'is not a field of this event type';

export type EventDataValidation =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: 'unknown-event-type' | 'invalid-payload' | 'invalid-identifier'; problems: Problem[] };

export interface ValidateEventDataOptions {
  /** The publishing participant: a type it may not publish is an unknown event type (docs/domain.md, "Event types"). */
  publisher?: string;
}

/** Paths whose problems mean a malformed identifier rather than a malformed payload. */
export const IDENTIFIER_PATHS: ReadonlySet<string> = new Set(['subject.nhsNumber', 'subject.niNumber']);

/**
 * `invalid-identifier` when every problem is about an NHS or NI number (an otherwise good
 * event whose source holds a bad identifier: a master-data fix at the source), otherwise
 * `invalid-payload` (the event itself is malformed; its problems still list any identifier).
 */
export function classifyProblems(problems: readonly Problem[]): 'invalid-identifier' | 'invalid-payload' {
  return problems.length > 0 && problems.every((problem) => IDENTIFIER_PATHS.has(problem.path)) ? 'invalid-identifier' : 'invalid-payload';
}

/**
 * Validates event data against its type's class, listing every problem (never a value),
 * and returns the data with identifiers normalised (`943 476 5919` → `9434765919`).
 * Optional fields sent as null are treated as absent and left out of `value`.
 */
export function validateEventData(eventType: string, data: unknown, options: ValidateEventDataOptions = {}): EventDataValidation {
  const refusal = refusalBeforeFields(eventType, data, options);
  if (refusal) return refusal;
  const dataClass = EVENT_DATA_CLASSES.get(eventType)!;
  const hiddenKeys = hiddenKeyProblems(data);
  const instance = plainToInstance(dataClass, data);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // The value is kept only to name wrong array items by index; it never reaches a message.
    validationError: { target: false, value: true },
  });
  if (errors.length > 0 || hiddenKeys.length > 0) {
    const problems = [...flattenProblems(errors), ...hiddenKeys];
    return { ok: false, reason: classifyProblems(problems), problems };
  }
  return { ok: true, value: plainData(instance) as Record<string, unknown> };
}

export type EventDataRefusal = Extract<EventDataValidation, { ok: false }>;

/**
 * What every validator of event data refuses before looking at fields: an unknown type, a
 * type the publisher may not publish (docs/domain.md, "Event types"), data that is not a
 * JSON object.
 */
export function refusalBeforeFields(eventType: string, data: unknown, options: ValidateEventDataOptions = {}): EventDataRefusal | undefined {
  const known = EVENT_DATA_CLASSES.has(eventType);
  if (!known || (options.publisher !== undefined && !mayPublish(options.publisher, eventType))) {
    const problem = known ? 'the publisher may not publish this event type' : 'unknown event type';
    return { ok: false, reason: 'unknown-event-type', problems: [{ path: 'type', problem }] };
  }
  if (!isJsonObject(data)) {
    return { ok: false, reason: 'invalid-payload', problems: [{ path: '', problem: 'event data must be a JSON object' }] };
  }
  return undefined;
}

/** class-validator's nested errors as `{ path, problem }`, one per failed constraint. */
export function flattenProblems(errors: readonly ValidationError[], parent = ''): Problem[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).flatMap(([constraint, problem]) => {
      if (constraint === ENUM_ARRAY_CONSTRAINT) return enumArrayProblems(error, path, problem);
      // class-validator's message quotes the unknown key, which the sender chose; the path already names it.
      if (constraint === 'whitelistValidation') return [{ path, problem: NOT_A_FIELD }];
      return [{ path, problem }];
    });
    return [...own, ...flattenProblems(error.children ?? [], path)];
  });
}

/** Names each wrong item (`typesOfRisk.1`) rather than the whole array, so a partner finds it. */
function enumArrayProblems(error: ValidationError, path: string, wholeArrayProblem: string): Problem[] {
  const allowed = (error.contexts?.[ENUM_ARRAY_CONSTRAINT] as { allowedValues?: readonly string[] } | undefined)?.allowedValues;
  if (!Array.isArray(error.value) || error.value.length === 0 || !allowed) return [{ path, problem: wholeArrayProblem }];
  const items: unknown[] = error.value;
  return items.flatMap((item, index) =>
    typeof item === 'string' && allowed.includes(item)
      ? []
      : [{ path: `${path}.${index}`, problem: `must be one of the following values: ${allowed.join(', ')}` }],
  );
}

/**
 * Keys class-transformer silently skips: every name the instance inherits from
 * `Object.prototype` (`__proto__`, `constructor`, `toString`, `valueOf`...), so the whitelist
 * never sees them. JSON.parse creates them as ordinary properties.
 */
const HIDDEN_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * A problem for every own key, at any depth, named after an `Object.prototype` member: what
 * every validator of event data must add to its own, as class-transformer hides them.
 */
export function hiddenKeyProblems(data: unknown): Problem[] {
  return hiddenKeyPaths(data).map((path) => ({ path, problem: NOT_A_FIELD }));
}

/** Paths of own keys named after `Object.prototype` members. */
function hiddenKeyPaths(value: unknown, parent = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const path = parent ? `${parent}.${key}` : key;
    const own = HIDDEN_KEYS.has(key) ? [path] : [];
    return [...own, ...hiddenKeyPaths((value as Record<string, unknown>)[key], path)];
  });
}

/** A plain JSON copy of a validated instance, without nulls and undefineds. */
function plainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainData);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== null && item !== undefined)
        .map(([key, item]) => [key, plainData(item)]),
    );
  }
  return value;
}
