import {
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import { isCalendarDate, isRfc3339DateTime, todayUtc } from '../formats';

/*
 * One decorator per kind of field in the event catalogue, so each class reads like the
 * table in DOMAIN.md and the catalogue-agreement test can check kinds one by one.
 * Messages never contain `$value`: event data is personal data.
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
}

const presence = (options: FieldOptions): PropertyDecorator => (options.optional ? IsOptional() : IsDefined());

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

/** Compares with today in UTC; a date of birth cannot be after it. */
export function IsNotInFuture(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotInFuture',
      validator: {
        validate: (value) => !isCalendarDate(value) || value <= todayUtc(),
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

/** Free text or a reference; never empty. */
export function TextField(options: FieldOptions & { maxLength?: number } = {}): PropertyDecorator {
  return compose(presence(options), IsString(), IsNotEmpty(), MaxLength(options.maxLength ?? 1000));
}

export function EnumField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return compose(presence(options), IsIn([...values]));
}

export function EnumArrayField(values: readonly string[], options: FieldOptions = {}): PropertyDecorator {
  return compose(presence(options), IsEnumArray(values));
}

export interface RangeOptions extends FieldOptions {
  min?: number;
  max?: number;
}

const range = (options: RangeOptions): PropertyDecorator[] => [
  ...(options.min === undefined ? [] : [Min(options.min)]),
  ...(options.max === undefined ? [] : [Max(options.max)]),
];

/** A finite JSON number; amounts are pounds, `min: 0`. */
export function NumberField(options: RangeOptions = {}): PropertyDecorator {
  return compose(presence(options), IsNumber({ allowNaN: false, allowInfinity: false }), ...range(options));
}

export function IntegerField(options: RangeOptions = {}): PropertyDecorator {
  return compose(presence(options), IsInt(), ...range(options));
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return compose(presence(options), IsBoolean());
}

export function DateField(options: FieldOptions & { notInFuture?: boolean } = {}): PropertyDecorator {
  return compose(presence(options), IsCalendarDate(), ...(options.notInFuture ? [IsNotInFuture()] : []));
}

export function DateTimeField(options: FieldOptions = {}): PropertyDecorator {
  return compose(presence(options), IsRfc3339DateTime());
}
