import { ApiProperty } from '@nestjs/swagger';
import { eventTypeDefinition, objectSchemaOf, SHARED_SCHEMA_CLASSES, type FieldHolder, type JsonSchema } from '@accord/contracts';

/*
 * The request schemas of `/docs`, written from the generated JSON Schema of each event type
 * (libs/contracts `objectSchemaOf`), so the OpenAPI document states the same patterns,
 * lengths, bounds and formats the validator applies. Nest's OpenAPI is 3.0: a nullable
 * field is `nullable: true` rather than a type array or an `anyOf` with null, and a nested
 * class is a named component. Accord's own keywords (`x-accord-*`) stay as extensions.
 */

type ApiPropertyOptions = Parameters<typeof ApiProperty>[0] & object;

/** One named component per nested class (`SubjectDocument`, `PersonNameDocument`), documented once. */
const documents = new Map<FieldHolder, Function>();

function componentName(holder: FieldHolder): string {
  for (const [name, shared] of SHARED_SCHEMA_CLASSES) if (shared === holder) return `${name}Document`;
  return `${holder.name}Document`;
}

function documentOf(holder: FieldHolder): Function {
  const existing = documents.get(holder);
  if (existing) return existing;
  const document = { [componentName(holder)]: class {} }[componentName(holder)]!;
  documents.set(holder, document);
  describeProperties(document, objectSchemaOf(holder, referenceTo));
  return document;
}

/** Nested classes are written as references, which `openApiOf` turns into their component. */
const REFERENCE_PREFIX = 'accord-class:';
const referenced = new Map<string, FieldHolder>();

function referenceTo(holder: FieldHolder): string {
  const reference = `${REFERENCE_PREFIX}${componentName(holder)}`;
  referenced.set(reference, holder);
  return reference;
}

/** A JSON Schema 2020-12 property as an OpenAPI 3.0 schema Nest accepts. */
function openApiOf(schema: JsonSchema): ApiPropertyOptions {
  if (typeof schema.$ref === 'string') {
    const { $ref, ...annotations } = schema;
    return { ...annotations, type: () => documentOf(referenced.get($ref)!) } as ApiPropertyOptions;
  }
  if (Array.isArray(schema.anyOf)) {
    const { anyOf, ...annotations } = schema;
    const branches = (anyOf as JsonSchema[]).filter((branch) => branch.type !== 'null');
    if (branches.length !== 1) throw new Error('an anyOf other than a nullable value has no OpenAPI 3.0 form here');
    return { ...openApiOf({ ...annotations, ...branches[0] }), nullable: true };
  }
  if (Array.isArray(schema.type)) {
    const types = (schema.type as string[]).filter((type) => type !== 'null');
    if (types.length !== 1) throw new Error('a union of types has no OpenAPI 3.0 form here');
    const enumeration = Array.isArray(schema.enum) ? { enum: schema.enum.filter((value) => value !== null) } : {};
    return { ...openApiOf({ ...schema, type: types[0], ...enumeration }), nullable: true };
  }
  if (schema.type === 'array') {
    const { items, ...array } = schema;
    return { ...array, type: 'array', items: openApiOf(items as JsonSchema) } as ApiPropertyOptions;
  }
  return schema as ApiPropertyOptions;
}

function describeProperties(target: Function, schema: JsonSchema, only?: readonly string[]): void {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, property] of Object.entries(schema.properties as Record<string, JsonSchema>)) {
    if (only && !only.includes(name)) continue;
    ApiProperty({ ...openApiOf(property), required: required.has(name) } as ApiPropertyOptions)(target.prototype, name);
  }
}

/**
 * Documents a request class (a contracts data class, or a pick of one) for OpenAPI from the
 * event type's generated schema. `only` restricts it to the fields the request carries
 * (e.g. ending a service).
 */
export function documentEventRequest(target: new () => object, eventType: string, options: { only?: readonly string[] } = {}): void {
  const definition = eventTypeDefinition(eventType);
  if (!definition) throw new Error(`unknown event type ${eventType}`);
  describeProperties(target, objectSchemaOf(definition.dataClass, referenceTo), options.only);
}
