import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/*
 * The person identifiers of docs/domain.md, "Identifiers". Validation messages name the
 * rule, never the value: an identifier is personal data and messages end up in logs,
 * HTTP bodies and the DLQ.
 */

const WHITESPACE = /\s+/g;

/** `943 476 5919` → `9434765919`; other characters are kept so that validation can reject them. */
export function normaliseNhsNumber(value: string): string {
  return value.replace(WHITESPACE, '');
}

/**
 * The Modulus 11 check digit for the first nine digits of an NHS number, or undefined when
 * the remainder makes it 10 (no valid NHS number starts with those nine digits).
 */
export function nhsNumberCheckDigit(firstNineDigits: string): number | undefined {
  if (!/^\d{9}$/.test(firstNineDigits)) return undefined;
  let sum = 0;
  for (let index = 0; index < 9; index += 1) sum += Number(firstNineDigits[index]) * (10 - index);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

/** Ten digits (spaces allowed) whose tenth is the Modulus 11 check digit of the first nine. */
export function isValidNhsNumber(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const digits = normaliseNhsNumber(value);
  if (!/^\d{10}$/.test(digits)) return false;
  return nhsNumberCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/** `ab 12 34 56 c` → `AB123456C`. */
export function normaliseNiNumber(value: string): string {
  return value.replace(WHITESPACE, '').toUpperCase();
}

/** The National Insurance number pattern (docs/domain.md, "National Insurance number"), applied after normalising. */
export const NI_NUMBER_PATTERN = /^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/;

export function isValidNiNumber(value: unknown): boolean {
  return typeof value === 'string' && NI_NUMBER_PATTERN.test(normaliseNiNumber(value));
}

/** Unique Property Reference Number: 1–12 digits. A string, so that the contract has one JSON type per field. */
export const UPRN_PATTERN = /^\d{1,12}$/;

export function isValidUprn(value: unknown): boolean {
  return typeof value === 'string' && UPRN_PATTERN.test(value);
}

/**
 * The UK Government Data Standards postcode pattern (outward code, one space, inward
 * code), plus the special `GIR 0AA`. Applied to the canonical form.
 */
export const POSTCODE_PATTERN =
  /^(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW]) [0-9][ABD-HJLNP-UW-Z]{2})$/;

/** `so167xx`, ` SO16  7XX ` → `SO16 7XX`: upper case, one space before the three-character inward code. */
export function normalisePostcode(value: string): string {
  const compact = value.replace(WHITESPACE, '').toUpperCase();
  if (compact.length < 5) return compact;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

export function isValidPostcode(value: unknown): boolean {
  return typeof value === 'string' && POSTCODE_PATTERN.test(normalisePostcode(value));
}

/** The outward code (`SO16 7XX` → `SO16`), or undefined for an invalid postcode. */
export function postcodeDistrict(value: string): string | undefined {
  return isValidPostcode(value) ? normalisePostcode(value).split(' ')[0] : undefined;
}

// class-validator decorators. The messages are fixed strings on purpose: `$value` must never appear.

export function IsNhsNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNhsNumber',
      validator: {
        validate: (value) => isValidNhsNumber(value),
        defaultMessage: () => '$property must be a valid NHS number: 10 digits passing the Modulus 11 check',
      },
    },
    options,
  );
}

export function IsNiNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNiNumber',
      validator: {
        validate: (value) => isValidNiNumber(value),
        defaultMessage: () => '$property must be a valid National Insurance number: two letters, six digits, a letter A to D',
      },
    },
    options,
  );
}

export function IsUprn(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUprn',
      validator: {
        validate: (value) => isValidUprn(value),
        defaultMessage: () => '$property must be a UPRN: a string of 1 to 12 digits',
      },
    },
    options,
  );
}

export function IsUkPostcode(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isUkPostcode',
      validator: {
        validate: (value) => isValidPostcode(value),
        defaultMessage: () => '$property must be a UK postcode, e.g. SO16 7XX',
      },
    },
    options,
  );
}

// class-transformer helpers: normalise strings, leave anything else for validation to reject.

const normalising = (normalise: (value: string) => string): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? normalise(value) : value));

/** `943 476 5919` → `9434765919` when a plain object becomes a class instance. */
export const NormaliseNhsNumber = (): PropertyDecorator => normalising(normaliseNhsNumber);
/** `ab 12 34 56 c` → `AB123456C`. */
export const NormaliseNiNumber = (): PropertyDecorator => normalising(normaliseNiNumber);
/** `so167xx` → `SO16 7XX`. */
export const NormalisePostcode = (): PropertyDecorator => normalising(normalisePostcode);
