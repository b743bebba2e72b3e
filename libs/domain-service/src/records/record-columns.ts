import { getMetadataArgsStorage } from 'typeorm';
import type { ColumnMetadataArgs } from 'typeorm/metadata-args/ColumnMetadataArgs';
import { fieldsOf, type ValueKind } from '@accord/contracts';
import { numeric, RecordEntity } from './record.entity';

/*
 * A record entity's columns restate the fields of the event types it stores: the one
 * restatement of an event type allowed, because a table needs its columns. This is
 * its check, against the catalogue (the event definitions) and TypeORM's metadata: every
 * top-level field but `subject` (RecordEntity keeps that) has a column of its name, of a
 * type that holds the field's values, nullable unless the event that writes the row
 * requires the field; every other column of the entity is one it declares its own.
 */

/** One record entity and what it stores. */
export interface StoredEvents {
  readonly entity: abstract new () => RecordEntity;
  /** The event types whose data the rows hold: the first writes a row, the others update it (a service: its start, then its end). */
  readonly eventTypes: readonly string[];
  /** Columns that are the record's own, not event fields (e.g. `endedEventId`). */
  readonly own?: readonly string[];
}

/** Postgres column types that hold a kind's values as the API returns them. */
const COLUMN_TYPES: Readonly<Record<ValueKind, readonly string[]>> = {
  string: ['text', 'varchar', 'character varying'],
  enum: ['text', 'varchar', 'character varying'],
  'enum[]': ['text', 'varchar', 'character varying'], // with `array: true`
  // Not bigint: node-postgres returns it as a string.
  integer: ['integer', 'int', 'int4', 'smallint', 'int2'],
  number: ['numeric', 'decimal', 'double precision', 'float8', 'real', 'float4'],
  boolean: ['boolean', 'bool'],
  date: ['date'],
  datetime: ['timestamptz', 'timestamp with time zone'],
  object: ['jsonb', 'json'],
};

/** Postgres returns these as strings; the `numeric` transformer makes them numbers again. */
const DECIMAL_TYPES: ReadonlySet<string> = new Set(['numeric', 'decimal']);

interface StoredField {
  kind: ValueKind;
  /** Required by the event type that writes the row, so no row is without it. */
  alwaysPresent: boolean;
}

function storedFields(eventTypes: readonly string[], problems: string[], entityName: string): Map<string, StoredField> {
  const fields = new Map<string, StoredField>();
  const perType = eventTypes.map((eventType) => {
    const all = fieldsOf(eventType);
    if (!all) problems.push(`${entityName}: ${eventType} is not an event type`);
    return (all ?? []).filter((field) => !field.path.includes('.') && field.path !== 'subject');
  });
  for (const field of perType.flat()) {
    const alwaysPresent = (perType[0] ?? []).some((candidate) => candidate.path === field.path && candidate.required);
    const known = fields.get(field.path);
    if (known && known.kind !== field.kind) problems.push(`${entityName}.${field.path}: is a ${known.kind} in one stored type and a ${field.kind} in another`);
    fields.set(field.path, { kind: field.kind, alwaysPresent });
  }
  return fields;
}

/** The entity's columns below RecordEntity (its own and those of any class between). */
function columnsOf(entity: Function): ColumnMetadataArgs[] {
  const chain: unknown[] = [];
  for (let current: unknown = entity; typeof current === 'function' && current !== RecordEntity; current = Object.getPrototypeOf(current)) chain.push(current);
  return getMetadataArgsStorage().columns.filter((column) => chain.includes(column.target));
}

function columnProblems(entityName: string, column: ColumnMetadataArgs, field: StoredField): string[] {
  const at = `${entityName}.${column.propertyName}`;
  const problems: string[] = [];
  const type = typeof column.options.type === 'string' ? column.options.type : String(column.options.type);
  const isArray = column.options.array === true;
  if (!COLUMN_TYPES[field.kind].includes(type) || isArray !== (field.kind === 'enum[]')) {
    problems.push(`${at}: a column of type ${type}${isArray ? '[]' : ''} cannot hold a field of kind ${field.kind}`);
  } else if (DECIMAL_TYPES.has(type) && column.options.transformer !== numeric) {
    problems.push(`${at}: a ${type} column needs the numeric transformer, or the API returns the number as a string`);
  }
  const nullable = column.options.nullable === true;
  if (field.alwaysPresent && nullable) problems.push(`${at}: the event that writes the row requires the field, so the column is NOT NULL`);
  if (!field.alwaysPresent && !nullable) problems.push(`${at}: a row may be written without the field, so the column must be nullable`);
  return problems;
}

/**
 * What differs between each record entity's columns and the fields of the events it stores;
 * empty when they agree. `entities` are the app's entities: each RecordEntity among them must
 * be named in `stores`.
 */
export function recordColumnDrift(entities: readonly Function[], stores: readonly StoredEvents[]): string[] {
  const problems: string[] = [];
  for (const entity of entities) {
    if (entity.prototype instanceof RecordEntity && !stores.some((stored) => stored.entity === entity)) {
      problems.push(`${entity.name}: a record entity whose stored event types are not named`);
    }
  }
  for (const { entity, eventTypes, own = [] } of stores) {
    const fields = storedFields(eventTypes, problems, entity.name);
    const columns = columnsOf(entity);
    for (const [name, field] of fields) {
      const column = columns.find((candidate) => candidate.propertyName === name);
      if (!column) problems.push(`${entity.name}.${name}: a field of the stored events without a column`);
      else problems.push(...columnProblems(entity.name, column, field));
    }
    for (const column of columns) {
      if (!fields.has(column.propertyName) && !own.includes(column.propertyName)) {
        problems.push(`${entity.name}.${column.propertyName}: a column that is no field of the stored events and not declared the record's own`);
      }
    }
    for (const name of own) {
      if (fields.has(name)) problems.push(`${entity.name}.${name}: declared the record's own but is a field of the stored events`);
      if (!columns.some((column) => column.propertyName === name)) problems.push(`${entity.name}.${name}: declared the record's own but has no column`);
    }
  }
  return problems;
}
