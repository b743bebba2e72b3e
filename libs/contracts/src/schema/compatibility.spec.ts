import { EVENT_TYPES } from '../event-catalog';
import { incompatibleChanges } from './compatibility';
import { eventDataSchema, type JsonSchema } from './event-data-schema';

const SERVICE_STARTED = 'asc.service.started.v1';
const published = () => eventDataSchema(SERVICE_STARTED);
type Properties = Record<string, JsonSchema>;

/** A copy of the published schema changed by `edit`. */
function changed(edit: (schema: JsonSchema & { properties: Properties; required: string[] }) => void): JsonSchema {
  const schema = structuredClone(published()) as JsonSchema & { properties: Properties; required: string[] };
  edit(schema);
  return schema;
}

const subjectOf = (schema: { properties: Properties }) => schema.properties.subject as JsonSchema & { properties: Properties; required: string[] };

describe('incompatibleChanges', () => {
  it('finds nothing between a schema and itself, for every type', () => {
    for (const type of EVENT_TYPES.keys()) expect(incompatibleChanges(eventDataSchema(type), eventDataSchema(type))).toEqual([]);
  });

  it('fails a changed field type', () => {
    const current = changed((schema) => (schema.properties.weeklyCost = { type: ['string', 'null'] }));
    expect(incompatibleChanges(published(), current)).toEqual([{ path: 'weeklyCost', change: 'type changed from null | number to null | string' }]);
  });

  it('passes an added optional field, and more enum values', () => {
    const current = changed((schema) => {
      schema.properties.careHomeName = { type: ['string', 'null'], maxLength: 200 };
      (schema.properties.serviceType as { enum: string[] }).enum.push('shared-lives');
    });
    expect(incompatibleChanges(published(), current)).toEqual([]);
  });

  it('passes looser bounds and a required field becoming optional', () => {
    const current = changed((schema) => {
      (schema.properties.weeklyCost as JsonSchema).minimum = -10;
      (subjectOf(schema).properties.gender as JsonSchema).maxLength = 128;
      schema.required = schema.required.filter((name) => name !== 'deliveryMechanism');
    });
    expect(incompatibleChanges(published(), current)).toEqual([]);
  });

  it.each<[string, (schema: JsonSchema & { properties: Properties; required: string[] }) => void, { path: string; change: string }]>([
    ['a removed field', (schema) => delete schema.properties.providerCqcLocationId, { path: 'providerCqcLocationId', change: 'removed' }],
    ['a removed subject field', (schema) => delete subjectOf(schema).properties.uprn, { path: 'subject.uprn', change: 'removed' }],
    ['an optional field made required', (schema) => schema.required.push('weeklyCost'), { path: 'weeklyCost', change: 'optional became required' }],
    [
      'a new required field',
      (schema) => {
        schema.properties.fundingSource = { type: 'string' };
        schema.required.push('fundingSource');
      },
      { path: 'fundingSource', change: 'new required field' },
    ],
    [
      'an enum value removed',
      (schema) => ((schema.properties.serviceType as { enum: string[] }).enum = ['community']),
      { path: 'serviceType', change: expect.stringContaining('enum values removed') },
    ],
    ['a tighter maximum length', (schema) => ((subjectOf(schema).properties.gender as JsonSchema).maxLength = 10), { path: 'subject.gender', change: 'maxLength tightened' }],
    ['a new upper bound', (schema) => ((schema.properties.weeklyCost as JsonSchema).maximum = 5000), { path: 'weeklyCost', change: 'maximum tightened' }],
    ['a raised minimum', (schema) => ((schema.properties.weeklyCost as JsonSchema).minimum = 1), { path: 'weeklyCost', change: 'minimum tightened' }],
    ['a changed format', (schema) => ((schema.properties.startDate as JsonSchema).format = 'date-time'), { path: 'startDate', change: 'format changed' }],
    ['a changed pattern', (schema) => ((subjectOf(schema).properties.uprn as JsonSchema).pattern = '^\\d{12}$'), { path: 'subject.uprn', change: 'pattern changed' }],
    [
      'a field now special category',
      (schema) => ((schema.properties.serviceType as JsonSchema)['x-accord-special-category'] = true),
      { path: 'serviceType', change: 'x-accord-special-category changed' },
    ],
  ])('fails %s', (_name, edit, expected) => {
    expect(incompatibleChanges(published(), changed(edit))).toEqual([expected]);
  });

  it('fails unknown keys refused where they were allowed', () => {
    expect(incompatibleChanges({ ...published(), additionalProperties: true }, published())).toEqual([{ path: '', change: 'additional properties refused' }]);
  });

  it('looks into array items', () => {
    const safeguarding = eventDataSchema('asc.safeguarding.concern-raised.v1');
    const current = structuredClone(safeguarding) as { properties: Record<string, { items: { enum: string[] } }> };
    current.properties.typesOfRisk!.items.enum = current.properties.typesOfRisk!.items.enum.filter((value) => value !== 'neglect');
    expect(incompatibleChanges(safeguarding, current as unknown as JsonSchema)).toEqual([{ path: 'typesOfRisk[]', change: 'enum values removed: "neglect"' }]);
  });
});
