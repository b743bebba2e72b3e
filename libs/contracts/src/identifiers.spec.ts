import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import fc from 'fast-check';
import {
  IsNhsNumber,
  IsNiNumber,
  IsUkPostcode,
  IsUprn,
  NormaliseNhsNumber,
  NormaliseNiNumber,
  NormalisePostcode,
  isValidNhsNumber,
  isValidNiNumber,
  isValidPostcode,
  isValidUprn,
  nhsNumberCheckDigit,
  normaliseNhsNumber,
  normaliseNiNumber,
  normalisePostcode,
  postcodeDistrict,
} from './identifiers';

const nineDigits = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }).map((digits) => digits.join(''));
const validNhsNumber = nineDigits
  .map((first) => ({ first, check: nhsNumberCheckDigit(first) }))
  .filter((candidate): candidate is { first: string; check: number } => candidate.check !== undefined)
  .map(({ first, check }) => `${first}${check}`);

/** Inserts spaces at arbitrary places, as people type identifiers. */
const withSpaces = (value: string) =>
  fc.array(fc.constantFrom('', ' ', '  '), { minLength: value.length + 1, maxLength: value.length + 1 }).map((gaps) =>
    gaps.map((gap, index) => `${gap}${value[index] ?? ''}`).join(''),
  );

describe('NHS number', () => {
  it.each(['9434765919', '943 476 5919', '4010232137', '9990000018', '0000000000'])('accepts %s', (value) => {
    expect(isValidNhsNumber(value)).toBe(true);
  });

  it.each([
    ['wrong check digit', '9434765918'],
    ['nine digits', '943476591'],
    ['eleven digits', '94347659190'],
    ['letters', '943476591X'],
    ['hyphens', '943-476-5919'],
    ['check digit would be 10', '1000000010'],
    ['empty', ''],
  ])('rejects %s', (_case, value) => {
    expect(isValidNhsNumber(value)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(isValidNhsNumber(9434765919)).toBe(false);
    expect(isValidNhsNumber(null)).toBe(false);
  });

  it('computes check digits as docs/domain.md, "NHS number", says: 11 → 0, 10 → none', () => {
    expect(nhsNumberCheckDigit('943476591')).toBe(9);
    expect(nhsNumberCheckDigit('000000000')).toBe(0);
    expect(nhsNumberCheckDigit('100000001')).toBeUndefined();
  });

  it('any nine digits plus their check digit is valid, unless the check would be 10', () => {
    fc.assert(
      fc.property(nineDigits, (first) => {
        const check = nhsNumberCheckDigit(first);
        if (check === undefined) {
          for (let digit = 0; digit <= 9; digit += 1) expect(isValidNhsNumber(`${first}${digit}`)).toBe(false);
        } else {
          expect(isValidNhsNumber(`${first}${check}`)).toBe(true);
        }
      }),
    );
  });

  it('changing any single digit of a valid number makes it invalid', () => {
    fc.assert(
      fc.property(validNhsNumber, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (number, position, shift) => {
        const changed = (Number(number[position]) + shift) % 10;
        const mutated = `${number.slice(0, position)}${changed}${number.slice(position + 1)}`;
        expect(isValidNhsNumber(mutated)).toBe(false);
      }),
    );
  });

  it('accepts spaces anywhere and normalises idempotently to the ten digits', () => {
    fc.assert(
      fc.property(validNhsNumber.chain((number) => withSpaces(number).map((spaced) => ({ number, spaced }))), ({ number, spaced }) => {
        expect(isValidNhsNumber(spaced)).toBe(true);
        expect(normaliseNhsNumber(spaced)).toBe(number);
        expect(normaliseNhsNumber(normaliseNhsNumber(spaced))).toBe(number);
      }),
    );
  });
});

describe('NI number', () => {
  it.each(['AB123456C', 'ab 12 34 56 c', 'JK 123456 D', 'CE000000A'])('accepts %s', (value) => {
    expect(isValidNiNumber(value)).toBe(true);
  });

  it.each([
    ['a disallowed prefix', 'GB123456A'],
    ['another disallowed prefix', 'NT123456A'],
    ['D as first letter', 'DA123456A'],
    ['O as second letter', 'AO123456A'],
    ['Q as second letter', 'QQ123456C'],
    ['suffix E', 'AB123456E'],
    ['five digits', 'AB12345C'],
    ['no suffix', 'AB123456'],
  ])('rejects %s', (_case, value) => {
    expect(isValidNiNumber(value)).toBe(false);
  });

  it('normalises to upper case without spaces, idempotently', () => {
    expect(normaliseNiNumber(' ab 12 34 56 c ')).toBe('AB123456C');
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(normaliseNiNumber(normaliseNiNumber(value))).toBe(normaliseNiNumber(value));
      }),
    );
  });
});

describe('UPRN', () => {
  it.each(['1', '100060712345', '000000000001'])('accepts %s', (value) => expect(isValidUprn(value)).toBe(true));
  it.each(['', '1000607123456', '10006071234a', ' 1'])('rejects "%s"', (value) => expect(isValidUprn(value)).toBe(false));
  it('rejects numbers: the contract carries UPRNs as strings', () => expect(isValidUprn(100060712345)).toBe(false));
});

describe('postcode', () => {
  it.each([
    ['SO16 7XX', 'SO16 7XX'],
    ['so167xx', 'SO16 7XX'],
    ['  so16   7xx ', 'SO16 7XX'],
    ['GIR0AA', 'GIR 0AA'],
    ['EC1A 1BB', 'EC1A 1BB'],
    ['W1A 0AX', 'W1A 0AX'],
    ['M1 1AE', 'M1 1AE'],
    ['B33 8TH', 'B33 8TH'],
    ['CR2 6XH', 'CR2 6XH'],
    ['DN55 1PT', 'DN55 1PT'],
    ['PO30 1UD', 'PO30 1UD'],
  ])('accepts %s as %s', (input, canonical) => {
    expect(isValidPostcode(input)).toBe(true);
    expect(normalisePostcode(input)).toBe(canonical);
  });

  it.each(['', 'SO16', 'SO16 7X', 'QO16 7XX', 'SO16 7CX', '1O16 7XX', 'SO16 7XXX'])('rejects "%s"', (value) => {
    expect(isValidPostcode(value)).toBe(false);
  });

  it('gives the district for postcode-district transforms', () => {
    expect(postcodeDistrict('so16 7xx')).toBe('SO16');
    expect(postcodeDistrict('nonsense')).toBeUndefined();
  });

  it('normalises idempotently', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(normalisePostcode(normalisePostcode(value))).toBe(normalisePostcode(value));
      }),
    );
  });
});

describe('decorators', () => {
  class Person {
    @NormaliseNhsNumber() @IsNhsNumber() nhsNumber: string;
    @NormaliseNiNumber() @IsNiNumber() niNumber: string;
    @NormalisePostcode() @IsUkPostcode() postcode: string;
    @IsUprn() uprn: string;
  }

  it('normalise on the way in', () => {
    const person = plainToInstance(Person, { nhsNumber: '943 476 5919', niNumber: 'ab 12 34 56 c', postcode: 'so16 7xx', uprn: '100060712345' });
    expect(person).toEqual({ nhsNumber: '9434765919', niNumber: 'AB123456C', postcode: 'SO16 7XX', uprn: '100060712345' });
    expect(validateSync(person)).toEqual([]);
  });

  it('leave non-strings for validation to reject', () => {
    const person = plainToInstance(Person, { nhsNumber: 9434765919, niNumber: null, postcode: 42, uprn: 7 });
    expect(person.nhsNumber).toBe(9434765919);
    expect(validateSync(person).map((error) => error.property).sort()).toEqual(['nhsNumber', 'niNumber', 'postcode', 'uprn']);
  });

  it('never echo the value in their messages', () => {
    const values = { nhsNumber: '9434765918', niNumber: 'GB123456A', postcode: 'ZZ99 9ZZ9', uprn: '1234567890123' };
    const messages = validateSync(plainToInstance(Person, values)).flatMap((error) => Object.values(error.constraints ?? {}));
    expect(messages).toHaveLength(4);
    for (const message of messages) {
      for (const value of Object.values(values)) expect(message).not.toContain(value);
    }
  });
});
