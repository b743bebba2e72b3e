import { getMetadataStorage } from 'class-validator';
import { EVENT_TYPES, SUBJECT_FIELDS, type FieldSpec } from '../event-catalog';
import { exampleEventData } from '../examples';
import { EVENT_DATA_CLASSES, validateEventData } from './validate-event-data';

/*
 * The catalogue (plain data the governance engine reads) and the classes (what payloads are
 * validated with) describe the same events twice; these tests keep the two in step.
 */

/** A valid value of a field, derived only from its catalogue entry. */
function validValue(field: FieldSpec): unknown {
  switch (field.kind) {
    case 'string':
      return field.path === 'subject.nhsNumber'
        ? '9434765919'
        : field.path === 'subject.niNumber'
          ? 'AB123456C'
          : field.path === 'subject.postcode'
            ? 'SO16 7XX'
            : field.path === 'subject.uprn'
              ? '100060712345'
              : 'some text';
    case 'number':
    case 'integer':
      return field.min ?? 1;
    case 'boolean':
      return true;
    case 'date':
      return '2020-01-15';
    case 'datetime':
      return '2026-11-28T10:00:00Z';
    case 'enum':
      return field.values![0];
    case 'enum[]':
      return [field.values![0]];
    case 'object':
      return {};
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}

function deletePath(target: Record<string, unknown>, path: string): void {
  const parts = path.split('.');
  let node: Record<string, unknown> | undefined = target;
  for (const part of parts.slice(0, -1)) node = node?.[part] as Record<string, unknown> | undefined;
  if (node) delete node[parts.at(-1)!];
}

/** Every field of the type, optional ones included, built from the catalogue alone. */
function fromCatalogue(eventType: string, { requiredOnly = false } = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const fields = [...SUBJECT_FIELDS, ...EVENT_TYPES.get(eventType)!.fields];
  for (const field of fields) {
    if (field.kind === 'object' || (requiredOnly && !field.required)) continue;
    setPath(data, field.path, validValue(field));
  }
  data.subject ??= {};
  return data;
}

/** Values of the wrong kind or out of range, each of which must be a problem at the field's path. */
function invalidValues(field: FieldSpec): { value: unknown; at: string }[] {
  const at = field.path;
  switch (field.kind) {
    case 'string':
      return [{ value: 42, at }, { value: '', at }];
    case 'number':
    case 'integer':
      return [
        { value: 'ten', at },
        ...(field.kind === 'integer' ? [{ value: (field.min ?? 0) + 0.5, at }] : []),
        ...(field.min === undefined ? [] : [{ value: field.min - 1, at }]),
        ...(field.max === undefined ? [] : [{ value: field.max + 1, at }]),
      ];
    case 'boolean':
      return [{ value: 'true', at }];
    case 'date':
      return [{ value: '2026-02-30', at }, { value: '2026-11-28T10:00:00Z', at }];
    case 'datetime':
      return [{ value: '2026-11-28', at }, { value: '2026-11-28T10:00:00', at }];
    case 'enum':
      return [{ value: 'not-a-listed-value', at }];
    case 'enum[]':
      return [
        { value: [], at },
        { value: 'not-an-array', at },
        { value: [field.values![0], 'not-a-listed-value'], at: `${at}.1` },
      ];
    case 'object':
      return [{ value: 'not-an-object', at }];
  }
}

const types = [...EVENT_TYPES.keys()];

describe('the event catalogue and the data classes agree', () => {
  it('on which event types exist', () => {
    expect([...EVENT_DATA_CLASSES.keys()].sort()).toEqual([...types].sort());
  });

  describe.each(types)('%s', (eventType) => {
    const spec = EVENT_TYPES.get(eventType)!;
    const allFields = [...SUBJECT_FIELDS, ...spec.fields];

    it('accepts data with every catalogue field (so every catalogue path is known to the class)', () => {
      expect(validateEventData(eventType, fromCatalogue(eventType))).toMatchObject({ ok: true });
    });

    it('accepts data with only the required fields', () => {
      expect(validateEventData(eventType, fromCatalogue(eventType, { requiredOnly: true }))).toMatchObject({ ok: true });
    });

    it('declares no field the catalogue lacks', () => {
      const properties = getMetadataStorage()
        .getTargetValidationMetadatas(EVENT_DATA_CLASSES.get(eventType)!, '', true, false)
        .map((metadata) => metadata.propertyName);
      const catalogued = new Set(allFields.map((field) => field.path));
      expect([...new Set(properties)].filter((property) => !catalogued.has(property))).toEqual([]);
    });

    it.each(allFields.filter((field) => field.required).map((field) => field.path))('reports %s missing', (path) => {
      const data = fromCatalogue(eventType);
      deletePath(data, path);
      const result = validateEventData(eventType, data);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.problems.map((problem) => problem.path)).toContain(path);
    });

    it.each(allFields.map((field) => [field.path, field] as const))('rejects wrong values of %s', (_path, field) => {
      for (const { value, at } of invalidValues(field)) {
        const data = fromCatalogue(eventType);
        setPath(data, field.path, value);
        const result = validateEventData(eventType, data);
        expect({ value, ok: result.ok }).toEqual({ value, ok: false });
        if (!result.ok) expect(result.problems.map((problem) => problem.path)).toContain(at);
      }
    });

    it('has a realistic example that validates unchanged', () => {
      const example = exampleEventData(eventType);
      expect(validateEventData(eventType, example)).toEqual({ ok: true, value: example });
    });
  });
});
