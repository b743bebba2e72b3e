import { EVENT_TYPES } from '../event-catalog';
import { eventTypeDefinition, fieldDefinitionsOf, type FieldDefinition, type FieldHolder } from '../events/definition';
import { PersonNameDto, SubjectDto } from '../events/subject.dto';

/*
 * A JSON Schema (draft 2020-12) of each event type's data, generated from the data
 * classes' field definitions: what a partner may publish, exactly as validateEventData
 * accepts it. Optional fields may be null (treated as absent); unknown keys are refused,
 * as the validator's whitelist refuses them. The schemas use only keywords that mean the
 * same in draft-07, so the AsyncAPI document embeds them unchanged.
 *
 * Rules JSON Schema cannot state are named by keywords of Accord's own, which tools that
 * do not know them ignore, and which `compileEventDataValidator` implements:
 * - `format`: `date` and `date-time` (RFC 3339, checked against the calendar), `nhs-number`
 *   (the Modulus 11 check digit), `ni-number`, `uk-postcode` (after removing spaces and upper-casing);
 * - `x-accord-not-in-future`: a date no later than today (UTC);
 * - `x-accord-not-national-identifier`: `subject.localId` never equals the subject's NHS or NI number;
 * - `x-accord-special-category`, `x-accord-criminal-offence`: annotations (UK GDPR Art. 9, Art. 10).
 */

export type JsonSchema = { [keyword: string]: unknown };

export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const ACCORD_KEYWORDS = {
  notInFuture: 'x-accord-not-in-future',
  notNationalIdentifier: 'x-accord-not-national-identifier',
  specialCategory: 'x-accord-special-category',
  criminalOffence: 'x-accord-criminal-offence',
} as const;

/** The `$id` of a type's data schema. */
export function eventDataSchemaId(eventType: string): string {
  return `urn:accord:schema:${eventType}`;
}

/** How a nested class is written: inline (a standalone schema), or as a `$ref` (the AsyncAPI components). */
export type NestedSchemaReference = (holder: FieldHolder) => string | undefined;

const inline: NestedSchemaReference = () => undefined;

function leafSchema(field: FieldDefinition): JsonSchema {
  switch (field.kind) {
    case 'string':
      return {
        type: 'string',
        ...(field.minLength === undefined ? {} : { minLength: field.minLength }),
        ...(field.maxLength === undefined ? {} : { maxLength: field.maxLength }),
        ...(field.pattern === undefined ? {} : { pattern: field.pattern.source }),
        ...(field.format === undefined ? {} : { format: field.format }),
      };
    case 'number':
    case 'integer':
      return {
        type: field.kind,
        ...(field.min === undefined ? {} : { minimum: field.min }),
        ...(field.max === undefined ? {} : { maximum: field.max }),
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', format: 'date', ...(field.notInFuture ? { [ACCORD_KEYWORDS.notInFuture]: true } : {}) };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'enum':
      return { type: 'string', enum: [...(field.values ?? [])] };
    case 'enum[]':
      return { type: 'array', minItems: 1, items: { type: 'string', enum: [...(field.values ?? [])] } };
    case 'object':
      throw new Error(`an object field (${field.property}) has no leaf schema`);
  }
}

/** Optional fields accept null: the validator treats null as absent. */
function nullable(schema: JsonSchema): JsonSchema {
  const type = schema.type as string;
  return {
    ...schema,
    type: [type, 'null'],
    ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}),
  };
}

function fieldSchema(field: FieldDefinition, reference: NestedSchemaReference): JsonSchema {
  const annotations: JsonSchema = {
    ...(field.description === undefined ? {} : { description: field.description }),
    ...(field.specialCategory ? { [ACCORD_KEYWORDS.specialCategory]: true } : {}),
    ...(field.criminalOffence ? { [ACCORD_KEYWORDS.criminalOffence]: true } : {}),
    ...(field.notNationalIdentifier ? { [ACCORD_KEYWORDS.notNationalIdentifier]: true } : {}),
  };
  if (field.kind === 'object') {
    const holder = field.nested!();
    const ref = reference(holder);
    const object = ref === undefined ? objectSchemaOf(holder, reference) : { $ref: ref };
    // A `$ref` beside other keywords is fine in 2020-12 but ignored by draft-07 tools: wrap it.
    if (ref !== undefined) return field.required ? { ...annotations, ...object } : { ...annotations, anyOf: [object, { type: 'null' }] };
    return { ...annotations, ...(field.required ? object : nullable(object)) };
  }
  const leaf = leafSchema(field);
  return { ...annotations, ...(field.required ? leaf : nullable(leaf)) };
}

/** The object schema of a class with field decorators: its fields, which are required, nothing else. */
export function objectSchemaOf(holder: Function, reference: NestedSchemaReference = inline): JsonSchema {
  const fields = fieldDefinitionsOf(holder);
  const required = fields.filter((field) => field.required).map((field) => field.property);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((field) => [field.property, fieldSchema(field, reference)])),
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
  };
}

/** The classes every type shares, named in the AsyncAPI components. */
export const SHARED_SCHEMA_CLASSES: ReadonlyMap<string, FieldHolder> = new Map<string, FieldHolder>([
  ['Subject', SubjectDto],
  ['PersonName', PersonNameDto],
]);

/** The data schema of a type without `$schema` / `$id`, shared classes written through `reference`. */
export function eventDataSchemaBody(eventType: string, reference: NestedSchemaReference = inline): JsonSchema {
  const definition = eventTypeDefinition(eventType);
  if (!definition) throw new Error(`unknown event type ${eventType}`);
  return {
    title: eventType,
    description: definition.description,
    ...objectSchemaOf(definition.dataClass, reference),
  };
}

/** The standalone JSON Schema (draft 2020-12) of a type's data, every nested class inline. */
export function eventDataSchema(eventType: string): JsonSchema {
  return { $schema: JSON_SCHEMA_DIALECT, $id: eventDataSchemaId(eventType), ...eventDataSchemaBody(eventType) };
}

/** Every type's data schema, in catalogue order. */
export function eventDataSchemas(): ReadonlyMap<string, JsonSchema> {
  return new Map([...EVENT_TYPES.keys()].map((type) => [type, eventDataSchema(type)]));
}
