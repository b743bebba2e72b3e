import fc from 'fast-check';
import { EVENT_TYPES, mayPublish } from '../event-catalog';
import { exampleEventData } from '@accord/testing';
import { todayUtc } from '../formats';
import { nhsNumberCheckDigit } from '../identifiers';
import { REFERENCE_PARTICIPANTS } from '../participants';
import { eventTypeDefinitions, fieldDefinitionsOf, type FieldDefinition } from '../events/definition';
import { validateEventData, type EventDataValidation } from '../events/validate-event-data';
import { compileEventDataValidator, validateEventDataFast } from './compiled-validator';

/*
 * The compiled validator against class-validator, the reference: on generated data, valid
 * and then broken at one place, both give the same answer: accepted with the same
 * normalised value, or refused for the same reason with problems at the same paths.
 */

const TYPES = [...EVENT_TYPES.keys()];
const DAY_MS = 86_400_000;

const spaced = (characters: string[]) =>
  fc.array(fc.constantFrom('', '', '', ' ', '  ', '\t'), { minLength: characters.length + 1, maxLength: characters.length + 1 }).map((gaps) =>
    characters.map((character, index) => `${gaps[index]}${character}`).join('') + gaps[characters.length],
  );

const nhsNumber = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 })
  .map((digits) => digits.join(''))
  .filter((nine) => nhsNumberCheckDigit(nine) !== undefined)
  .chain((nine) => spaced([...`${nine}${nhsNumberCheckDigit(nine)}`]));

const niNumber = fc
  .tuple(fc.constantFrom('AB', 'CE', 'JK', 'ZA', 'BG', 'QQ'), fc.integer({ min: 0, max: 999_999 }), fc.constantFrom('A', 'B', 'C', 'D', 'E'), fc.boolean())
  .chain(([prefix, digits, suffix, lower]) => {
    const text = `${prefix}${String(digits).padStart(6, '0')}${suffix}`;
    return spaced([...(lower ? text.toLowerCase() : text)]);
  });

const postcode = fc.constantFrom('SO16 7XX', 'so167xx', ' SO16  7XX ', 'GIR 0AA', 'EC1A 1BB', 'W1A 0AX', 'SO16', 'XX1 1XX', 'so16 7xx');

/** Strings with astral characters and variation selectors, around a length limit. */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ minLength: 1, maxLength: Math.min(maxLength, 40) }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: Math.min(maxLength, 40) }),
    fc.integer({ min: maxLength - 2, max: maxLength + 1 }).chain((length) =>
      fc.array(fc.constantFrom('a', '😀', '\uFE0F', 'é', ' '), { minLength: Math.max(length, 0), maxLength: Math.max(length, 0) }).map((parts) => parts.join('')),
    ),
  );

const calendarDate = fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date(Date.now() + 400 * DAY_MS), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));

const dateTime = fc
  .tuple(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), fc.constantFrom('Z', 'z', '+01:00', '-05:30', '+24:00'), fc.boolean())
  .map(([date, zone, lowerT]) => {
    const iso = date.toISOString().slice(0, 19);
    return `${lowerT ? iso.replace('T', 't') : iso}${zone}`;
  });

const number = (field: FieldDefinition, integer: boolean) => {
  const min = field.min ?? -1e6;
  const max = field.max ?? 1e6;
  const inRange = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(min, max, min - 1, max + 1, min + 0.5, -0) });
};

/** A value of the field's kind (usually valid; near the edges sometimes not). */
function valueOf(field: FieldDefinition): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'string':
      if (field.format === 'nhs-number') return nhsNumber;
      if (field.format === 'ni-number') return niNumber;
      if (field.format === 'uk-postcode') return postcode;
      if (field.pattern) return fc.stringMatching(/^\d{1,13}$/);
      return text(field.maxLength ?? 1000);
    case 'number':
      return number(field, false);
    case 'integer':
      return number(field, true);
    case 'boolean':
      return fc.boolean();
    case 'date':
      return calendarDate;
    case 'datetime':
      return dateTime;
    case 'enum':
      return fc.constantFrom(...field.values!);
    case 'enum[]':
      return fc.array(fc.constantFrom(...field.values!), { minLength: 1, maxLength: 4 });
    case 'object':
      return objectOf(field.nested!());
  }
}

/** Every required field, and each optional one absent, null or present. */
function objectOf(holder: Function): fc.Arbitrary<Record<string, unknown>> {
  const entries = fieldDefinitionsOf(holder).map((field) => {
    const value = valueOf(field);
    const arbitrary = field.required ? value : fc.oneof(fc.constant(undefined), fc.constant(null), value);
    return [field.property, arbitrary] as const;
  });
  return fc.record(Object.fromEntries(entries)).map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)));
}

/** Values that break a field one way or another. */
const wrong = fc.oneof(
  fc.constantFrom<unknown>(null, '', ' ', 'x', 0, -1, 1.5, 1e300, true, false, [], {}, ['x'], [null], { given: 'x' }, '2026-02-30', '2026-11-28T10:00:00', '2026-11-28', todayUtc(new Date(Date.now() + 2 * DAY_MS))),
  fc.constantFrom('9434765918', '943 476 5919', 'AB123456C', 'GB123456A', 'SO16 7XX', '100060712345', '1000607123456'),
  fc.jsonValue({ maxDepth: 2 }),
);

interface Mutation {
  path: string[];
  change: 'set' | 'delete' | 'add';
  value: unknown;
}

function pathsOf(holder: Function, prefix: string[] = []): string[][] {
  return fieldDefinitionsOf(holder).flatMap((field) => {
    const path = [...prefix, field.property];
    return field.nested ? [path, ...pathsOf(field.nested(), path)] : [path];
  });
}

function mutate(data: Record<string, unknown>, mutation: Mutation): Record<string, unknown> {
  const copy = structuredClone(data);
  let node: unknown = copy;
  for (const part of mutation.path.slice(0, -1)) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[part] : undefined;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return copy;
  const target = node as Record<string, unknown>;
  const last = mutation.path.at(-1)!;
  if (mutation.change === 'delete') delete target[last];
  // A key as JSON.parse makes it: an own property even when it is `__proto__`.
  else if (mutation.change === 'add') Object.defineProperty(target, typeof mutation.value === 'string' ? mutation.value : 'extra', { value: 1, enumerable: true, writable: true, configurable: true });
  else target[last] = mutation.value;
  return copy;
}

function mutationOf(type: string): fc.Arbitrary<Mutation> {
  const paths = pathsOf(classOf(type));
  return fc.oneof(
    fc.record({ path: fc.constantFrom(...paths), change: fc.constant('set' as const), value: wrong }),
    fc.record({ path: fc.constantFrom(...paths), change: fc.constant('delete' as const), value: fc.constant(undefined) }),
    fc.record({
      path: fc.constantFrom(...paths, ['subject', 'x'], ['subject', 'name', 'x']),
      change: fc.constant('add' as const),
      value: fc.constantFrom('__proto__', 'constructor', 'extra', 'toString'),
    }),
  );
}

const CLASSES = new Map(eventTypeDefinitions().map((definition) => [definition.type, definition.dataClass]));
const classOf = (type: string): Function => CLASSES.get(type)!;

const OBJECT_PATHS = new Set(
  [...CLASSES.values()].flatMap((dataClass) => pathsOf(dataClass).filter((path) => fieldAt(dataClass, path)?.kind === 'object').map((path) => path.join('.'))),
);

function fieldAt(holder: Function, path: string[]): FieldDefinition | undefined {
  const field = fieldDefinitionsOf(holder).find((candidate) => candidate.property === path[0]);
  return path.length === 1 || !field?.nested ? field : fieldAt(field.nested(), path.slice(1));
}

/**
 * class-validator also walks an array given where an object belongs, item by item
 * (`subject.0`); the compiled validator reports the array itself (`subject`).
 */
function reported(path: string): string {
  const parts = path.split('.');
  const index = parts.findIndex((part, at) => /^\d+$/.test(part) && OBJECT_PATHS.has(parts.slice(0, at).join('.')));
  return index === -1 ? path : parts.slice(0, index).join('.');
}

/** What must agree: accepted with the same value, or refused for the same reason at the same paths. */
function outcome(result: EventDataValidation) {
  if (result.ok) return { ok: true, value: JSON.stringify(result.value) };
  return { ok: false, reason: result.reason, paths: [...new Set(result.problems.map((problem) => reported(problem.path)))].sort() };
}

describe('the compiled validator answers as class-validator does', () => {
  const validate = compileEventDataValidator();

  it('on generated data of every type, valid and broken at one place (1,500 runs)', () => {
    const data = fc.constantFrom(...TYPES).chain((type) =>
      fc.tuple(
        fc.constant(type),
        objectOf(classOf(type)),
        fc.array(mutationOf(type), { maxLength: 2 }),
      ),
    );
    let accepted = 0;
    fc.assert(
      fc.property(data, ([type, valid, mutations]) => {
        const candidate = mutations.reduce(mutate, valid);
        const reference = validateEventData(type, candidate);
        if (reference.ok) accepted += 1;
        expect(outcome(validate(type, candidate))).toEqual(outcome(reference));
      }),
      { numRuns: 1500 },
    );
    // Both sides of the boundary are exercised.
    expect(accepted).toBeGreaterThan(150);
    expect(accepted).toBeLessThan(1350);
  });

  it('on the realistic examples, and on who may publish them', () => {
    for (const type of TYPES) {
      const example = exampleEventData(type);
      expect(validate(type, example)).toEqual({ ok: true, value: example });
      for (const { id } of REFERENCE_PARTICIPANTS) {
        expect(outcome(validate(type, example, { publisher: id }))).toEqual(outcome(validateEventData(type, example, { publisher: id })));
        expect(validate(type, example, { publisher: id }).ok).toBe(mayPublish(id, type));
      }
    }
    expect(validate('asc.unknown.v1', {})).toEqual(validateEventData('asc.unknown.v1', {}));
    for (const notAnObject of [null, [], 'text', 42]) expect(validate(TYPES[0]!, notAnObject)).toEqual(validateEventData(TYPES[0]!, notAnObject));
  });

  it('names a key called after an Object.prototype member inside a key that is no field, as class-validator does', () => {
    // Found by the property above (seed -1721170924): the schema stops at the unknown key.
    const type = 'nhs.hospital-discharge.notified.v1';
    const example = exampleEventData(type) as { subject: Record<string, unknown> };
    for (const hidden of ['valueOf', 'toString', 'constructor']) {
      const data = { ...example, subject: { ...example.subject, extra: { [hidden]: 0, plain: 1 } } };
      expect(outcome(validate(type, data))).toEqual(outcome(validateEventData(type, data)));
      expect(outcome(validate(type, data))).toMatchObject({ ok: false, paths: ['subject.extra', `subject.extra.${hidden}`] });
    }
  });

  it('puts no submitted value into a problem', () => {
    const marker = fc.stringMatching(/^[A-Z]{3}[0-9]{4}[a-z]{3}$/);
    fc.assert(
      fc.property(marker, fc.constantFrom(...TYPES), (secret, type) => {
        const data: Record<string, unknown> = { subject: { localId: secret.repeat(20), nhsNumber: secret, niNumber: secret, postcode: secret, uprn: secret, dateOfBirth: secret, name: { given: 1 }, [secret]: secret }, [secret]: secret };
        for (const path of pathsOf(classOf(type))) if (path.length === 1 && path[0] !== 'subject') data[path[0]!] = secret;
        const result = validateEventDataFast(type, data);
        expect(result.ok).toBe(false);
        if (!result.ok) for (const problem of result.problems) expect(problem.problem).not.toContain(secret);
      }),
      { numRuns: 100 },
    );
  });
});
