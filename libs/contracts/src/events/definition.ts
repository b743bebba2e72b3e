/*
 * The one definition of every event type: the class-validator classes in `*.events.ts`.
 * Each field decorator (fields.ts) records what it validates here, and `@EventType` records
 * the type-level facts; the catalogue (event-catalog.ts), the JSON Schemas, the AsyncAPI
 * document and the compiled validator are all read from this registry, never written again.
 */

export type ValueKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'date' // ISO 8601 calendar date, 2026-11-28
  | 'datetime' // RFC 3339
  | 'enum'
  | 'enum[]'
  | 'object';

export interface FieldSpec {
  /** Path relative to the event data, e.g. `subject.nhsNumber`, `serviceType`. */
  readonly path: string;
  readonly kind: ValueKind;
  readonly required: boolean;
  /** Special category data (health, ethnicity, sex life...): needs an Art. 9 basis to share. */
  readonly specialCategory: boolean;
  /** Criminal-offence data (Art. 10). */
  readonly criminalOffence?: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/** The system part of a participant id (`<org>.<system>`) that may publish a type. */
export const PUBLISHER_SYSTEMS = ['adult-social-care', 'public-health', 'revenues-benefits', 'nhs'] as const;
export type PublisherSystem = (typeof PUBLISHER_SYSTEMS)[number];

export interface EventTypeSpec {
  readonly type: string;
  readonly publisherSystem: PublisherSystem;
  readonly description: string;
  /** Fields specific to the type; the subject fields are common to all types. */
  readonly fields: readonly FieldSpec[];
  /** A safeguarding event: the only kind the safeguarding override can apply to. */
  readonly safeguarding: boolean;
  /** The national data opt-out never applies (e.g. communicable disease notification). */
  readonly nationalOptOutNeverApplies: boolean;
}

/** A text field checked beyond its pattern by a named rule (the Modulus 11 check digit, the postcode grammar). */
export type TextFormat = 'nhs-number' | 'ni-number' | 'uk-postcode';

/** A class whose properties carry field decorators: an event's data, the subject, a name. */
export type FieldHolder = abstract new () => object;

/** Everything a field decorator validates, as data. */
export interface FieldDefinition {
  readonly property: string;
  readonly kind: ValueKind;
  /** Required fields must be present and not null; optional ones may be absent or null. */
  readonly required: boolean;
  readonly specialCategory: boolean;
  readonly criminalOffence: boolean;
  /** `enum` and `enum[]`: the allowed values. */
  readonly values?: readonly string[];
  /** `number` and `integer`: inclusive bounds. */
  readonly min?: number;
  readonly max?: number;
  /** `string`: bounds on the length in Unicode code points. */
  readonly minLength?: number;
  readonly maxLength?: number;
  /** `string`: what the raw value must match (before normalising). */
  readonly pattern?: RegExp;
  readonly format?: TextFormat;
  /** `date`: not after today (UTC). */
  readonly notInFuture?: boolean;
  /** `subject.localId`: never equal to the same subject's NHS or NI number. */
  readonly notNationalIdentifier?: boolean;
  /** Applied to a valid string before it is stored or forwarded (`943 476 5919` → `9434765919`). */
  readonly normalise?: (value: string) => string;
  /** `object`: the class of the nested value. */
  readonly nested?: () => FieldHolder;
  /** Shown to partners in the schemas (units, meaning). */
  readonly description?: string;
}

const OWN_FIELDS = new Map<Function, FieldDefinition[]>();

/** Records a property's definition; the field decorators call it alongside their class-validator decorators. */
export function DefineField(definition: Omit<FieldDefinition, 'property'>): PropertyDecorator {
  return (target, propertyKey) => {
    if (typeof propertyKey !== 'string') throw new Error('DefineField: a field is named by a string');
    const holder = target.constructor;
    const own = OWN_FIELDS.get(holder) ?? [];
    if (own.some((field) => field.property === propertyKey)) {
      throw new Error(`DefineField: ${holder.name}.${propertyKey} has two field decorators`);
    }
    own.push({ property: propertyKey, ...definition });
    OWN_FIELDS.set(holder, own);
  };
}

/** The fields of a class, inherited ones first, each in declaration order. */
export function fieldDefinitionsOf(holder: Function): readonly FieldDefinition[] {
  const chain: Function[] = [];
  for (let current: unknown = holder; typeof current === 'function' && current !== Function.prototype; current = Object.getPrototypeOf(current)) {
    chain.unshift(current);
  }
  return chain.flatMap((link) => OWN_FIELDS.get(link) ?? []);
}

/** The facts `@EventType` takes: everything of `EventTypeSpec` but the fields, which come from the decorators. */
export interface EventTypeOptions {
  /** `<system prefix>.<entity>.<what happened>.v<version>`, e.g. `asc.service.started.v1`. */
  readonly type: string;
  readonly publisherSystem: PublisherSystem;
  readonly description: string;
  readonly safeguarding?: boolean;
  readonly nationalOptOutNeverApplies?: boolean;
}

export interface EventTypeDefinition {
  readonly type: string;
  readonly publisherSystem: PublisherSystem;
  readonly description: string;
  readonly safeguarding: boolean;
  readonly nationalOptOutNeverApplies: boolean;
  readonly dataClass: new () => object;
  /** The version in the type's name: `.v2` is a type of its own beside `.v1`. */
  readonly version: number;
}

/** A type name ends in its version; a change that breaks a published schema needs a new one. */
export const EVENT_TYPE_NAME_PATTERN = /^[a-z]+(\.[a-z0-9-]+)+\.v([1-9]\d*)$/;

const EVENT_TYPE_DEFINITIONS = new Map<string, EventTypeDefinition>();

/** Makes a data class the definition of an event type. */
export function EventType(options: EventTypeOptions): ClassDecorator {
  return (target) => {
    const dataClass = target as unknown as new () => object;
    const version = EVENT_TYPE_NAME_PATTERN.exec(options.type)?.[2];
    if (version === undefined) throw new Error(`EventType: ${options.type} is not <prefix>.<name>.v<version>`);
    const existing = EVENT_TYPE_DEFINITIONS.get(options.type);
    if (existing && existing.dataClass !== dataClass) throw new Error(`EventType: ${options.type} is defined twice`);
    EVENT_TYPE_DEFINITIONS.set(options.type, {
      type: options.type,
      publisherSystem: options.publisherSystem,
      description: options.description,
      safeguarding: options.safeguarding ?? false,
      nationalOptOutNeverApplies: options.nationalOptOutNeverApplies ?? false,
      dataClass,
      version: Number(version),
    });
  };
}

/**
 * Every event type defined so far, by publisher system (in `PUBLISHER_SYSTEMS` order), then
 * in declaration order; the order does not depend on which module was imported first.
 */
export function eventTypeDefinitions(): readonly EventTypeDefinition[] {
  const all = [...EVENT_TYPE_DEFINITIONS.values()];
  return PUBLISHER_SYSTEMS.flatMap((system) => all.filter((definition) => definition.publisherSystem === system));
}

/** The definition of `eventType`, or undefined when no class defines it. */
export function eventTypeDefinition(eventType: string): EventTypeDefinition | undefined {
  return EVENT_TYPE_DEFINITIONS.get(eventType);
}

/** The catalogue's view of a class's fields, nested ones flattened to dotted paths after their parent. */
export function fieldSpecsOf(holder: Function, prefix = ''): FieldSpec[] {
  return fieldDefinitionsOf(holder).flatMap((field) => {
    const path = `${prefix}${field.property}`;
    const spec: FieldSpec = {
      path,
      kind: field.kind,
      required: field.required,
      specialCategory: field.specialCategory,
      ...(field.criminalOffence ? { criminalOffence: true } : {}),
      ...(field.values === undefined ? {} : { values: field.values }),
      ...(field.min === undefined ? {} : { min: field.min }),
      ...(field.max === undefined ? {} : { max: field.max }),
    };
    return field.nested ? [spec, ...fieldSpecsOf(field.nested(), `${path}.`)] : [spec];
  });
}
