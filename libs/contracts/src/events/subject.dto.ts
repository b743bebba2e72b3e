import { DateField, LocalIdField, NestedField, NhsNumberField, NiNumberField, PostcodeField, TextField, UprnField } from './fields';

export const LOCAL_ID_MAX_LENGTH = 128;

export class PersonNameDto {
  @TextField({ optional: true, maxLength: 200 })
  given?: string;

  @TextField({ optional: true, maxLength: 200 })
  family?: string;
}

/** The person an event is about (docs/contract.md, "The envelope"). Identifiers are normalised on the way in. */
export class SubjectDto {
  @LocalIdField({
    maxLength: LOCAL_ID_MAX_LENGTH,
    description: "The source system's own opaque reference for the person: the Kafka record key, never the NHS or NI number",
  })
  localId: string;

  @NhsNumberField({ optional: true })
  nhsNumber?: string;

  @NiNumberField({ optional: true })
  niNumber?: string;

  @NestedField(() => PersonNameDto, { optional: true })
  name?: PersonNameDto;

  @DateField({ optional: true, notInFuture: true })
  dateOfBirth?: string;

  @TextField({ optional: true, maxLength: 64 })
  gender?: string;

  @PostcodeField({ optional: true })
  postcode?: string;

  @UprnField({ optional: true })
  uprn?: string;
}

/** Every event's data: the subject plus the fields of its type. */
export abstract class EventDataDto {
  @NestedField(() => SubjectDto)
  subject: SubjectDto;
}
