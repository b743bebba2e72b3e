import type { Problem } from '../problems';
import { releasedSchema } from './asyncapi';
import { createEventDataAjv, problemOfSchemaError } from './compiled-validator';
import { eventDataSchemaBody, JSON_SCHEMA_DIALECT, type JsonSchema } from './event-data-schema';

/*
 * What a recipient accepts of a released record, derived from the type's one definition.
 * A released record carries only the fields its agreement releases, some transformed to a
 * string (asyncapi.ts `releasedSchema`), so the published schema would refuse it. The
 * recipient names the fields it needs (`subject.localId`, `dischargePathway`): those must
 * be present, not null and exactly as published, because the recipient acts on their
 * values; every other field may be absent, null or transformed. Unknown keys are refused
 * as the published schema refuses them.
 */

type Properties = Record<string, JsonSchema>;

/** The schema without its `null` alternative: a needed value is never "recorded as unknown". */
function withoutNull(schema: JsonSchema): JsonSchema {
  if (Array.isArray(schema.type)) {
    const types = (schema.type as string[]).filter((type) => type !== 'null');
    return {
      ...schema,
      type: types.length === 1 ? types[0] : types,
      ...(Array.isArray(schema.enum) ? { enum: schema.enum.filter((value) => value !== null) } : {}),
    };
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as JsonSchema[]).filter((branch) => branch.type !== 'null');
    if (branches.length === 1) {
      const { anyOf: _anyOf, ...annotations } = schema;
      return { ...annotations, ...branches[0] };
    }
  }
  return schema;
}

/** `released` with the field at `path` required and as `published` states it. */
function requireAsPublished(released: JsonSchema, published: JsonSchema, path: readonly string[], fullPath: string): JsonSchema {
  const [name, ...rest] = path;
  const publishedProperty = (published.properties as Properties | undefined)?.[name!];
  const releasedProperty = (released.properties as Properties | undefined)?.[name!];
  if (!publishedProperty || !releasedProperty) throw new Error(`${fullPath} is not a field of the type`);
  const property =
    rest.length === 0 ? withoutNull(publishedProperty) : requireAsPublished(withoutNull(releasedProperty), withoutNull(publishedProperty), rest, fullPath);
  const required = new Set([...((released.required as string[] | undefined) ?? []), name!]);
  return { ...released, properties: { ...(released.properties as Properties), [name!]: property }, required: [...required] };
}

/** The JSON Schema (draft 2020-12) of a released record of `eventType` that carries every field in `needs` (dotted paths). */
export function releasedRecordSchema(eventType: string, needs: readonly string[]): JsonSchema {
  const published = eventDataSchemaBody(eventType);
  const schema = needs.reduce((released, path) => requireAsPublished(released, published, path.split('.'), path), releasedSchema(published));
  return { $schema: JSON_SCHEMA_DIALECT, ...schema };
}

export type ReleasedRecordValidation = { ok: true; value: Record<string, unknown> } | { ok: false; problems: Problem[] };

/** Checks one received record's data; problems name the path and the rule, never a value. */
export type ReleasedRecordValidator = (data: unknown) => ReleasedRecordValidation;

let ajv: ReturnType<typeof createEventDataAjv> | undefined;

/** Compiles `releasedRecordSchema(eventType, needs)` once, with the formats and keywords of the compiled event validator. */
export function compileReleasedRecordValidator(eventType: string, needs: readonly string[]): ReleasedRecordValidator {
  // One ajv for every released-record schema: they have no `$id`, so they never collide.
  ajv ??= createEventDataAjv();
  const validate = ajv.compile(releasedRecordSchema(eventType, needs));
  return (data) => (validate(data) ? { ok: true, value: data as Record<string, unknown> } : { ok: false, problems: (validate.errors ?? []).map(problemOfSchemaError) });
}
