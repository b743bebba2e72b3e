import type { JsonSchema } from './event-data-schema';

/*
 * Within one version of an event type, a published schema may only grow: new optional
 * fields, more enum values, looser bounds. Anything that could make a publisher's valid
 * event invalid, or hand a recipient a value its code does not expect, needs a new
 * version of the type (docs/event-versioning.md). This compares a published schema with
 * the current one and names each incompatible change; none means compatible.
 */

export interface IncompatibleChange {
  /** The field, `subject.name.given`; `typesOfRisk[]` for an array's items; '' for the data itself. */
  path: string;
  change: string;
}

type Schema = JsonSchema;

const typesOf = (schema: Schema): string[] => (schema.type === undefined ? [] : Array.isArray(schema.type) ? [...(schema.type as string[])].sort() : [schema.type as string]);

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems'] as const;
/** Keywords whose any change alters what is valid in a way no comparison can prove harmless. */
const EXACT = ['format', 'pattern', 'const', 'x-accord-special-category', 'x-accord-criminal-offence'] as const;
/** Rules that only ever refuse more when added (boolean keywords). */
const RESTRICTIONS = ['x-accord-not-in-future', 'x-accord-not-national-identifier'] as const;

const join = (parent: string, child: string) => (parent === '' ? child : `${parent}.${child}`);

function compare(published: Schema, current: Schema, path: string, changes: IncompatibleChange[]): void {
  const add = (change: string) => changes.push({ path, change });

  const publishedTypes = typesOf(published);
  const currentTypes = typesOf(current);
  if (publishedTypes.join() !== currentTypes.join()) add(`type changed from ${publishedTypes.join(' | ') || 'any'} to ${currentTypes.join(' | ') || 'any'}`);

  for (const keyword of EXACT) {
    if (JSON.stringify(published[keyword]) !== JSON.stringify(current[keyword])) add(`${keyword} changed`);
  }
  for (const keyword of RESTRICTIONS) {
    if (current[keyword] === true && published[keyword] !== true) add(`${keyword} added`);
  }
  for (const keyword of LOWER_BOUNDS) {
    const before = published[keyword] as number | undefined;
    const after = current[keyword] as number | undefined;
    if (after !== undefined && (before === undefined || after > before)) add(`${keyword} tightened`);
  }
  for (const keyword of UPPER_BOUNDS) {
    const before = published[keyword] as number | undefined;
    const after = current[keyword] as number | undefined;
    if (after !== undefined && (before === undefined || after < before)) add(`${keyword} tightened`);
  }

  if (Array.isArray(published.enum) || Array.isArray(current.enum)) {
    if (!Array.isArray(current.enum)) {
      // Dropping an enum widens what is valid: a recipient may then meet values it does not know.
      add('enum removed');
    } else if (!Array.isArray(published.enum)) {
      add('enum added');
    } else {
      const allowed = new Set(current.enum.map((value) => JSON.stringify(value)));
      const removed = published.enum.filter((value) => !allowed.has(JSON.stringify(value)));
      if (removed.length > 0) add(`enum values removed: ${removed.map((value) => JSON.stringify(value)).join(', ')}`);
    }
  }

  if (published.additionalProperties === false || current.additionalProperties === false) {
    if (published.additionalProperties !== false) add('additional properties refused');
  }

  const publishedProperties = (published.properties ?? {}) as Record<string, Schema>;
  const currentProperties = (current.properties ?? {}) as Record<string, Schema>;
  const publishedRequired = new Set((published.required ?? []) as string[]);
  const currentRequired = new Set((current.required ?? []) as string[]);
  for (const [name, schema] of Object.entries(publishedProperties)) {
    const now = currentProperties[name];
    if (now === undefined) changes.push({ path: join(path, name), change: 'removed' });
    else compare(schema, now, join(path, name), changes);
  }
  for (const name of currentRequired) {
    if (publishedRequired.has(name)) continue;
    changes.push({ path: join(path, name), change: name in publishedProperties ? 'optional became required' : 'new required field' });
  }

  if (published.items !== undefined || current.items !== undefined) {
    compare((published.items ?? {}) as Schema, (current.items ?? {}) as Schema, `${path}[]`, changes);
  }
}

/** Every change from `published` to `current` that a version's partners could trip over; [] when compatible. */
export function incompatibleChanges(published: Schema, current: Schema): IncompatibleChange[] {
  const changes: IncompatibleChange[] = [];
  compare(published, current, '', changes);
  return changes;
}
