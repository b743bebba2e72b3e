import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, SUBJECT_FIELDS, type FieldSpec } from '@accord/contracts';

type ApiPropertyOptions = Parameters<typeof ApiProperty>[0] & object;

function schemaOf(field: FieldSpec): ApiPropertyOptions {
  const base: ApiPropertyOptions = { required: field.required };
  if (field.min !== undefined) Object.assign(base, { minimum: field.min });
  if (field.max !== undefined) Object.assign(base, { maximum: field.max });
  const note = field.specialCategory ? 'Special category data (UK GDPR Art. 9).' : undefined;
  if (note) Object.assign(base, { description: note });
  switch (field.kind) {
    case 'string':
      return { ...base, type: String };
    case 'number':
      return { ...base, type: Number };
    case 'integer':
      return { ...base, type: 'integer' };
    case 'boolean':
      return { ...base, type: Boolean };
    case 'date':
      return { ...base, type: String, format: 'date', example: '2026-11-28' };
    case 'datetime':
      return { ...base, type: String, format: 'date-time', example: '2026-11-28T10:00:00Z' };
    case 'enum':
      return { ...base, enum: [...(field.values ?? [])] };
    case 'enum[]':
      return { ...base, enum: [...(field.values ?? [])], isArray: true };
    case 'object':
      return { ...base, type: Object };
  }
}

function document(target: new () => object, fields: readonly FieldSpec[]): void {
  for (const field of fields) {
    if (field.path.includes('.')) continue;
    ApiProperty(schemaOf(field))(target.prototype, field.path);
  }
}

/** The person the record is about (CONTRACT.md §2), documented from the catalogue. */
export class SubjectDocument {}
document(SubjectDocument, SUBJECT_FIELDS.filter((field) => field.path.startsWith('subject.') && field.path.split('.').length === 2).map((field) => ({ ...field, path: field.path.slice('subject.'.length) })));
ApiProperty({ required: false, type: Object, example: { given: 'Ada', family: 'Lovelace' } })(SubjectDocument.prototype, 'name');
ApiProperty({ required: false, type: String, example: '943 476 5919', description: 'NHS number (Modulus 11); spaces accepted, stored without' })(SubjectDocument.prototype, 'nhsNumber');
ApiProperty({ required: false, type: String, example: 'QQ123456C', description: 'National Insurance number' })(SubjectDocument.prototype, 'niNumber');
ApiProperty({ required: true, type: String, example: 'person-1234', description: "The source system's own opaque reference: the Kafka key, never an NHS number" })(SubjectDocument.prototype, 'localId');

/**
 * Documents a request class (a contracts class-validator class) for OpenAPI from the event
 * catalogue, so `/docs` stays in step with DOMAIN.md without a second list of fields.
 * `only` restricts it to the fields the request carries (e.g. ending a service).
 */
export function documentEventRequest(target: new () => object, eventType: string, options: { only?: string[]; withSubject?: boolean } = {}): void {
  const spec = EVENT_TYPES.get(eventType);
  if (!spec) throw new Error(`unknown event type ${eventType}`);
  const fields = options.only ? spec.fields.filter((field) => options.only!.includes(field.path)) : spec.fields;
  document(target, fields);
  if (options.withSubject !== false) ApiProperty({ type: () => SubjectDocument, required: true })(target.prototype, 'subject');
}
