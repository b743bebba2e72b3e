import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { Type } from 'class-transformer';
import { isCalendarDate, isRfc3339DateTime, todayUtc } from '../formats';
import {
  IsNhsNumber,
  IsNiNumber,
  IsUkPostcode,
  IsUprn,
  NormaliseNhsNumber,
  NormaliseNiNumber,
  NormalisePostcode,
  normaliseNhsNumber,
  normaliseNiNumber,
  normalisePostcode,
  UPRN_PATTERN,
} from '../identifiers';
import { DefineField, type FieldDefinition, type FieldHolder } from './definition';

/*
 * One decorator per kind of field, so each class reads like a table of its type's fields.
 * Each applies its class-validator (and class-transformer) decorators and records the same
 * rules as data (definition.ts), from which the catalogue and the schemas are derived: a
 * rule is written once, here. Messages never contain `$value`: event data is personal data.
 */

export const ENUM_ARRAY_CONSTRAINT = 'isEnumArray';

function compose(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorator of decorators) decorator(target, propertyKey);
  };
}

export interface FieldOptions {
  /** Absent (or null) is fine; a present value must still be valid. */
  optional?: boolean;
  /** Special category data (UK GDPR Art. 9): an agreement releasing it needs an Art. 9 basis. */
  specialCategory?: boolean;
  /** Criminal-offence data (UK GDPR Art. 10). */
  criminalOffence?: boolean;
  /** Meaning or unit, for partners reading the schemas (never an example value of a person). */
  description?: string;
}

type DefinitionOf<Kind extends FieldDefinition['kind']> = Omit<FieldDefinition, 'property' | 'kind' | 'required' | 'specialCategory' | 'criminalOffence'> & {
  kind: Kind;
};

/** Presence (required or optional), the recorded definition, then the kind's validators. */
function field<Kind extends FieldDefinition['kind']>(
  options: FieldOptions,
  definition: DefinitionOf<Kind>,
  ...validators: PropertyDecorator[]
): PropertyDecorator {
  return compose(
    DefineField({
      ...definition,
      required: !options.optional,
      specialCategory: options.specialCategory ?? false,
      criminalOffence: options.criminalOffence ?? false,
      ...(options.description === undefined ? {} : { description: options.description }),
    }),
    options.optional ? IsOptional() : IsDefined(),
    ...validators,
  );
}

export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value) => isCalendarDate(value),
        defaultMessage: () => '$property must be an ISO 8601 calendar date (YYYY-MM-DD)',
      },
    },
    options,
  );
}

/** A calendar date no later than today in UTC (a date of birth cannot be after it). Other values are left to `isCalendarDate`. */
export function isNotInFuture(value: unknown): boolean {
  return !isCalendarDate(value) || value <= todayUtc();
}

export function IsNotInFuture(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotInFuture',
      validator: {
        validate: (value) => isNotInFuture(value),
        defaultMessage: () => '$property must not be in the future',
      },
    },
    options,
  );
}

export function IsRfc3339DateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value) => isRfc3339DateTime(value),
        defaultMessage: () => '$property must be an RFC 3339 date-time with a time zone, e.g. 2026-11-28T10:00:00Z',
      },
    },
    options,
  );
}

/** The length JSON Schema's `maxLength` counts: Unicode code points, a surrogate pair being one. */
export function codePointLength(value: string): number {
  let length = 0;
  for (const _ of value) length += 1;
  return length;
}

/** At most `max` characters, counted as JSON Schema counts them (code points), so the schemas and this agree. */
export function HasAtMostCharacters(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxLength',
      constraints: [max],
      validator: {
        validate: (value) => typeof value === 'string' && codePointLength(value) <= max,
        defaultMessage: () => `$property must be shorter than or equal to ${max} characters`,
      },
    },
    options,
  );
}

/**
 * A non-empty array whose every item is one of `values`. The allowed values travel in
 * the error's context so `validateEventData` can name each wrong item by index.
 */
export function IsEnumArray(values: readonly string[], options?: ValidationOptions): PropertyDecorator {
  const allowed = new Set(values);
  return ValidateBy(
    {
      name: ENUM_ARRAY_CONSTRAINT,
      constraints: [values],
      validator: {
        validate: (value) => Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && allowed.has(item)),
        defaultMessage: (args) => {
          if (!Array.isArray(args?.value)) return '$property must be an array';
          if (args.value.length === 0) return '$property must not be empty';
          return `each item of $property must be one of the following values: ${values.join(', ')}`;
        },
      },
    },
    { ...options, context: { allowedValues: values } },
  );
}

export interface TextOptions extends FieldOptions {
  maxLength?: number;
}

function text(options: TextOptions, extra: Partial<DefinitionOf<'string'>>, ...validators: PropertyDecorator[]): PropertyDecorator {
  const maxLength = options.maxLength ?? 1000;
  return field(options, { ...extra, kind: 'string', minLength: 1, maxLength }, IsString(), IsNotEmpty(), HasAtMostCharacters(maxLength), ...validators);
}

/** Free text or a reference; never empty; 1000 characters unless said otherwise. */
export function TextField(options: TextOptions = {}): PropertyDecorator {
  return text(options, {});
}

export function EnumField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return field(options, { kind: 'enum', values }, IsIn([...values]));
}

export function EnumArrayField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return field(options, { kind: 'enum[]', values }, IsEnumArray(values));
}

export interface RangeOptions extends FieldOptions {
  min?: number;
  max?: number;
}

const range = (options: RangeOptions): PropertyDecorator[] => [
  ...(options.min === undefined ? [] : [Min(options.min)]),
  ...(options.max === undefined ? [] : [Max(options.max)]),
];

const bounds = (options: RangeOptions) => ({
  ...(options.min === undefined ? {} : { min: options.min }),
  ...(options.max === undefined ? {} : { max: options.max }),
});

/** A finite JSON number; amounts are pounds, `min: 0`. */
export function NumberField(options: RangeOptions = {}): PropertyDecorator {
  return field(options, { kind: 'number', ...bounds(options) }, IsNumber({ allowNaN: false, allowInfinity: false }), ...range(options));
}

export function IntegerField(options: RangeOptions = {}): PropertyDecorator {
  return field(options, { kind: 'integer', ...bounds(options) }, IsInt(), ...range(options));
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, { kind: 'boolean' }, IsBoolean());
}

export function DateField(options: FieldOptions & { notInFuture?: boolean } = {}): PropertyDecorator {
  const notInFuture = options.notInFuture === true;
  return field(options, { kind: 'date', ...(notInFuture ? { notInFuture } : {}) }, IsCalendarDate(), ...(notInFuture ? [IsNotInFuture()] : []));
}

export function DateTimeField(options: FieldOptions = {}): PropertyDecorator {
  return field(options, { kind: 'datetime' }, IsRfc3339DateTime());
}

/** An object of the given class, validated field by field (unknown keys are problems too). */
export function NestedField(nested: () => FieldHolder, options: FieldOptions = {}): PropertyDecorator {
  return field(options, { kind: 'object', nested }, IsObject(), ValidateNested(), Type(nested as () => Function));
}

/*
 * Person identifiers (docs/domain.md, "Identifiers"). Each is normalised on the way in;
 * `pattern` is what the raw value must look like (spaces are allowed where normalising
 * removes them) and `format` names the rest of the check (the check digit, the postcode
 * grammar).
 */

/** Ten digits, spaces allowed, passing the Modulus 11 check. */
export function NhsNumberField(options: FieldOptions = {}): PropertyDecorator {
  return field(
    { ...options, description: options.description ?? 'NHS number: 10 digits passing the Modulus 11 check; spaces are accepted and removed' },
    { kind: 'string', pattern: /^\s*(?:\d\s*){10}$/, format: 'nhs-number', normalise: normaliseNhsNumber },
    NormaliseNhsNumber(),
    IsNhsNumber(),
  );
}

export function NiNumberField(options: FieldOptions = {}): PropertyDecorator {
  return field(
    {
      ...options,
      description: options.description ?? 'National Insurance number: two letters, six digits, a letter A to D; spaces and lower case are accepted, stored upper case without spaces',
    },
    { kind: 'string', format: 'ni-number', normalise: normaliseNiNumber },
    NormaliseNiNumber(),
    IsNiNumber(),
  );
}

export function PostcodeField(options: FieldOptions = {}): PropertyDecorator {
  return field(
    { ...options, description: options.description ?? 'UK postcode; stored upper case with one space before the inward code (SO16 7XX)' },
    { kind: 'string', format: 'uk-postcode', normalise: normalisePostcode },
    NormalisePostcode(),
    IsUkPostcode(),
  );
}

/**
 * `localId` is the Kafka record key (docs/contract.md, "The envelope"), so it must never
 * be the person's NHS or NI number: those would then sit in every partition index and
 * consumer log. Compared after normalising both, so spacing or case does not hide the
 * number.
 */
export function isNotNationalIdentifierOf(localId: unknown, subject: { nhsNumber?: unknown; niNumber?: unknown }): boolean {
  if (typeof localId !== 'string') return true;
  const nhsNumber = typeof subject.nhsNumber === 'string' ? normaliseNhsNumber(subject.nhsNumber) : undefined;
  const niNumber = typeof subject.niNumber === 'string' ? normaliseNiNumber(subject.niNumber) : undefined;
  return normaliseNhsNumber(localId) !== nhsNumber && normaliseNiNumber(localId) !== niNumber;
}

function IsNotThePersonsNationalIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotThePersonsNationalIdentifier',
      validator: {
        validate: (value, args) => isNotNationalIdentifierOf(value, (args?.object ?? {}) as { nhsNumber?: unknown; niNumber?: unknown }),
        defaultMessage: () => "$property must be the source system's own reference, never the NHS number or NI number",
      },
    },
    options,
  );
}

/** The source's opaque person reference (a subject's `localId`): text that is never the same subject's NHS or NI number. */
export function LocalIdField(options: TextOptions = {}): PropertyDecorator {
  return text(options, { notNationalIdentifier: true }, IsNotThePersonsNationalIdentifier());
}

/** Unique Property Reference Number: a string of 1 to 12 digits. */
export function UprnField(options: FieldOptions = {}): PropertyDecorator {
  return field({ ...options, description: options.description ?? 'Unique Property Reference Number: 1 to 12 digits' }, { kind: 'string', pattern: UPRN_PATTERN }, IsUprn());
}
