import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { isCalendarDate, isRfc3339DateTime } from '../formats';
import { isValidNhsNumber, isValidNiNumber, isValidPostcode } from '../identifiers';
import type { Problem } from '../problems';
import { eventTypeDefinitions, fieldDefinitionsOf, type FieldDefinition } from '../events/definition';
import { isNotInFuture, isNotNationalIdentifierOf } from '../events/fields';
import {
  classifyProblems,
  hiddenKeyProblems,
  NOT_A_FIELD,
  refusalBeforeFields,
  type EventDataValidation,
  type ValidateEventDataOptions,
} from '../events/validate-event-data';
import { ACCORD_KEYWORDS, eventDataSchema } from './event-data-schema';

/*
 * validateEventData compiled: ajv over the generated JSON Schemas, with Accord's formats and
 * keywords implemented by the same functions the class-validator decorators call. Same
 * input, same answer (ok, reason, the paths of the problems, the normalised value) as
 * validateEventData, which a differential property test checks; it builds no class
 * instances and reads no library's private metadata. Problems name the path and the rule,
 * never a value.
 */

export type EventDataValidator = (eventType: string, data: unknown, options?: ValidateEventDataOptions) => EventDataValidation;

/** ajv with Accord's formats and keywords: every schema generated from the event definitions compiles in it. */
export function createEventDataAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: true,
    // Formats are checked by the contract's own functions (formats.ts, identifiers.ts), not ajv-formats.
    formats: {
      date: { type: 'string', validate: (value: string) => isCalendarDate(value) },
      'date-time': { type: 'string', validate: (value: string) => isRfc3339DateTime(value) },
      'nhs-number': { type: 'string', validate: (value: string) => isValidNhsNumber(value) },
      'ni-number': { type: 'string', validate: (value: string) => isValidNiNumber(value) },
      'uk-postcode': { type: 'string', validate: (value: string) => isValidPostcode(value) },
    },
  });
  ajv.addKeyword({ keyword: ACCORD_KEYWORDS.specialCategory, schemaType: 'boolean' });
  ajv.addKeyword({ keyword: ACCORD_KEYWORDS.criminalOffence, schemaType: 'boolean' });
  ajv.addKeyword({
    keyword: ACCORD_KEYWORDS.notInFuture,
    schemaType: 'boolean',
    errors: false,
    validate: (applies: boolean, value: unknown) => !applies || isNotInFuture(value),
  });
  ajv.addKeyword({
    keyword: ACCORD_KEYWORDS.notNationalIdentifier,
    schemaType: 'boolean',
    errors: false,
    validate: (applies: boolean, value: unknown, _schema?: unknown, context?: { parentData?: unknown }) =>
      !applies || isNotNationalIdentifierOf(value, (context?.parentData ?? {}) as { nhsNumber?: unknown; niNumber?: unknown }),
  });
  return ajv;
}

/** `/subject/name/given` → `subject.name.given` (JSON Pointer, RFC 6901). */
function pathOf(instancePath: string, child?: string): string {
  const parts = instancePath === '' ? [] : instancePath.slice(1).split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.join('.');
}

const MESSAGES: Record<string, string> = {
  [ACCORD_KEYWORDS.notInFuture]: 'must not be in the future',
  [ACCORD_KEYWORDS.notNationalIdentifier]: "must be the source system's own reference, never the NHS number or NI number",
};

/** ajv's messages name the rule (a type, a bound, a pattern, a format), never the value. */
export function problemOfSchemaError(error: ErrorObject): Problem {
  if (error.keyword === 'required') return { path: pathOf(error.instancePath, (error.params as { missingProperty: string }).missingProperty), problem: 'is missing' };
  if (error.keyword === 'additionalProperties') {
    return { path: pathOf(error.instancePath, (error.params as { additionalProperty: string }).additionalProperty), problem: NOT_A_FIELD };
  }
  return { path: pathOf(error.instancePath), problem: MESSAGES[error.keyword] ?? error.message ?? `fails ${error.keyword}` };
}

type FieldsOf = (holder: Function) => readonly FieldDefinition[];

/** The validated data as validateEventData returns it: nulls left out, identifiers normalised, in the class's field order. */
function normalised(holder: Function, data: Record<string, unknown>, fieldsOf: FieldsOf): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fieldsOf(holder)) {
    const item = data[field.property];
    if (item === null || item === undefined) continue;
    if (field.nested) value[field.property] = normalised(field.nested(), item as Record<string, unknown>, fieldsOf);
    else if (field.normalise && typeof item === 'string') value[field.property] = field.normalise(item);
    else value[field.property] = Array.isArray(item) ? [...item] : item;
  }
  return value;
}

/** Compiles every type's schema once; the returned function answers as validateEventData does. */
export function compileEventDataValidator(): EventDataValidator {
  const ajv = createEventDataAjv();
  // Classes are complete once declared; their fields are read once per class.
  const fields = new Map<Function, readonly FieldDefinition[]>();
  const fieldsOf: FieldsOf = (holder) => fields.get(holder) ?? fields.set(holder, fieldDefinitionsOf(holder)).get(holder)!;
  const compiled = new Map<string, { validate: ValidateFunction; dataClass: Function }>(
    eventTypeDefinitions().map((definition) => [definition.type, { validate: ajv.compile(eventDataSchema(definition.type)), dataClass: definition.dataClass }]),
  );
  return (eventType, data, options = {}) => {
    const refusal = refusalBeforeFields(eventType, data, options);
    if (refusal) return refusal;
    const { validate, dataClass } = compiled.get(eventType)!;
    if (validate(data)) return { ok: true, value: normalised(dataClass, data as Record<string, unknown>, fieldsOf) };
    const problems = (validate.errors ?? []).map(problemOfSchemaError);
    // The keys named after Object.prototype members, wherever they are, as validateEventData
    // lists them: the schema names such a key only where a field could be, not inside a key
    // that is itself no field. Any such key fails the schema (no object is open), so this
    // walk runs on refused data only.
    const reported = new Set(problems.map((problem) => problem.path));
    for (const hidden of hiddenKeyProblems(data)) if (!reported.has(hidden.path)) problems.push(hidden);
    return { ok: false, reason: classifyProblems(problems), problems };
  };
}

let shared: EventDataValidator | undefined;

/**
 * The process's compiled validator, compiled now if it is not yet. Compiling takes a few
 * hundred milliseconds of one thread: a consumer calls this before it starts, so the first
 * record does not stall its event loop.
 */
export function sharedEventDataValidator(): EventDataValidator {
  shared ??= compileEventDataValidator();
  return shared;
}

/** validateEventData through the compiled schemas (compiled on first use, see sharedEventDataValidator). */
export function validateEventDataFast(eventType: string, data: unknown, options: ValidateEventDataOptions = {}): EventDataValidation {
  return sharedEventDataValidator()(eventType, data, options);
}
