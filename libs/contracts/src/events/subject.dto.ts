import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, ValidateBy, ValidateNested, type ValidationOptions } from 'class-validator';
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
} from '../identifiers';
import { DateField, TextField } from './fields';

export const LOCAL_ID_MAX_LENGTH = 128;

export class PersonNameDto {
  @TextField({ optional: true, maxLength: 200 })
  given?: string;

  @TextField({ optional: true, maxLength: 200 })
  family?: string;
}

/**
 * `localId` is the Kafka record key (CONTRACT.md §2), so it must never be the person's NHS
 * or NI number: those would then sit in every partition index and consumer log.
 */
function IsNotThePersonsNationalIdentifier(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotThePersonsNationalIdentifier',
      validator: {
        validate: (value, args) => {
          if (typeof value !== 'string') return true;
          const subject = args?.object as Partial<SubjectDto>;
          const nhsNumber = typeof subject.nhsNumber === 'string' ? normaliseNhsNumber(subject.nhsNumber) : undefined;
          const niNumber = typeof subject.niNumber === 'string' ? normaliseNiNumber(subject.niNumber) : undefined;
          return normaliseNhsNumber(value) !== nhsNumber && normaliseNiNumber(value) !== niNumber;
        },
        defaultMessage: () => "$property must be the source system's own reference, never the NHS number or NI number",
      },
    },
    options,
  );
}

/** The person an event is about (CONTRACT.md §2). Identifiers are normalised on the way in. */
export class SubjectDto {
  @TextField({ maxLength: LOCAL_ID_MAX_LENGTH })
  @IsNotThePersonsNationalIdentifier()
  localId: string;

  @IsOptional()
  @NormaliseNhsNumber()
  @IsNhsNumber()
  nhsNumber?: string;

  @IsOptional()
  @NormaliseNiNumber()
  @IsNiNumber()
  niNumber?: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PersonNameDto)
  name?: PersonNameDto;

  @DateField({ optional: true, notInFuture: true })
  dateOfBirth?: string;

  @TextField({ optional: true, maxLength: 64 })
  gender?: string;

  @IsOptional()
  @NormalisePostcode()
  @IsUkPostcode()
  postcode?: string;

  @IsOptional()
  @IsUprn()
  uprn?: string;
}

/** Every event's data: the subject plus the fields of its type. */
export abstract class EventDataDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject: SubjectDto;
}
