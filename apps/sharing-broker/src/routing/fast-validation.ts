import { TransformationType } from 'class-transformer';
import { getMetadataStorage, ValidationTypes, type ValidationArguments } from 'class-validator';
import { EVENT_DATA_CLASSES, mayPublish } from '@accord/contracts';

/*
 * An accelerator for `validateEventData`, which spends most of the broker's CPU in
 * class-transformer and class-validator machinery. It runs the very same constraint
 * functions and the same `@Transform` normalisations, read from the decorators'
 * metadata, without building class instances or error objects — and only ever to ACCEPT:
 * anything unusual or wrong (a failed constraint, an unknown key, a decorator kind it
 * does not know) yields `undefined`, and the caller falls back to `validateEventData`,
 * which stays the one authority on rejections and their problems. A differential test
 * checks that whatever this accepts, `validateEventData` accepts with the same value.
 */

type Check = (value: unknown, object: Record<string, unknown>) => boolean;
type Transformation = (value: unknown, object: Record<string, unknown>) => unknown;

interface PropertyPlan {
  /** `@IsOptional` and the like: when one is false, the property is not validated. */
  conditions: Array<(object: Record<string, unknown>, value: unknown) => boolean>;
  checks: Check[];
  transforms: Transformation[];
  /** `@ValidateNested` with `@Type`: the nested class's plan. */
  nested?: ClassPlan;
}

interface ClassPlan {
  properties: Map<string, PropertyPlan>;
}

interface TransformMetadata {
  transformFn: (params: { value: unknown; key: string; obj: unknown; type: TransformationType; options: object }) => unknown;
  options?: { groups?: string[]; since?: number; until?: number };
}

/** The part of class-transformer's metadata storage read here. */
interface TransformerStorage {
  findTransformMetadatas(target: Function, propertyName: string, transformationType: TransformationType): TransformMetadata[];
  findTypeMetadata(target: Function, propertyName: string): { typeFunction: () => Function; options?: { discriminator?: unknown } } | undefined;
  findExcludeMetadata(target: Function, propertyName: string | undefined): unknown;
  findExposeMetadata(target: Function, propertyName: string | undefined): unknown;
  getStrategy(target: Function): string;
}

/** class-transformer keeps its decorator metadata here and has no public accessor: without it, no fast path. */
function loadTransformerStorage(): TransformerStorage | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('class-transformer/cjs/storage').defaultMetadataStorage;
  } catch {
    return undefined;
  }
}
const transformerStorage = loadTransformerStorage();

const HANDLED_TYPES: ReadonlySet<string> = new Set([
  ValidationTypes.CUSTOM_VALIDATION,
  ValidationTypes.IS_DEFINED,
  ValidationTypes.CONDITIONAL_VALIDATION,
  ValidationTypes.NESTED_VALIDATION,
]);

const plans = new Map<Function, ClassPlan | null>();

/** The plan of a class, or null when it uses anything this accelerator does not reproduce exactly. */
export function planOf(target: Function, depth = 0): ClassPlan | null {
  if (plans.has(target)) return plans.get(target)!;
  const plan = depth > 4 ? null : compile(target, depth);
  plans.set(target, plan);
  return plan;
}

function compile(target: Function, depth: number): ClassPlan | null {
  if (!transformerStorage) return null;
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(target, undefined as unknown as string, false, false, undefined);
  if (metadatas.length === 0) return null;
  if (transformerStorage.getStrategy(target) !== 'none' || transformerStorage.findExcludeMetadata(target, undefined)) return null;
  const properties = new Map<string, PropertyPlan>();
  for (const metadata of metadatas) {
    if (!HANDLED_TYPES.has(metadata.type) || metadata.each || (metadata.groups?.length ?? 0) > 0 || metadata.always) return null;
    const property = metadata.propertyName;
    let plan = properties.get(property);
    if (!plan) {
      plan = { conditions: [], checks: [], transforms: [] };
      properties.set(property, plan);
    }
    if (metadata.type === ValidationTypes.CONDITIONAL_VALIDATION) {
      plan.conditions.push(metadata.constraints[0] as (object: Record<string, unknown>, value: unknown) => boolean);
    } else if (metadata.type === ValidationTypes.NESTED_VALIDATION) {
      const type = transformerStorage.findTypeMetadata(target, property);
      if (!type || type.options?.discriminator) return null;
      const nested = planOf(type.typeFunction(), depth + 1);
      if (!nested) return null;
      plan.nested = nested;
    } else {
      const constraints = storage.getTargetValidatorConstraints(metadata.constraintCls);
      if (constraints.length === 0) return null;
      for (const constraint of constraints) {
        if (constraint.async) return null;
        const instance = constraint.instance as { validate(value: unknown, args: ValidationArguments): unknown };
        // One arguments object per check, refilled for each call (the constraints run
        // synchronously and keep nothing): an allocation per check and record was the
        // largest single source of garbage on the broker's hot path.
        const args: ValidationArguments = { targetName: target.name, property, object: {}, value: undefined, constraints: metadata.constraints };
        plan.checks.push((value, object) => {
          args.object = object;
          args.value = value;
          const result = instance.validate(value, args);
          // A promise (an async constraint that did not say so) is not a pass.
          return result === true || (Boolean(result) && !(result instanceof Promise));
        });
      }
    }
  }
  for (const [property, plan] of properties) {
    if (transformerStorage.findExcludeMetadata(target, property) || transformerStorage.findExposeMetadata(target, property)) return null;
    const transforms = transformerStorage.findTransformMetadatas(target, property, TransformationType.PLAIN_TO_CLASS);
    for (const transform of transforms) {
      if (transform.options?.groups?.length || transform.options?.since !== undefined || transform.options?.until !== undefined) return null;
      plan.transforms.push((value, object) =>
        transform.transformFn({ value, key: property, obj: object, type: TransformationType.PLAIN_TO_CLASS, options: {} }),
      );
    }
  }
  return { properties };
}

/** An object literal (of any realm: structuredClone makes them in the main one), not an array or class instance. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype !== null && Object.getPrototypeOf(prototype) === null;
}

const HIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The data as class-transformer would shape it (transforms applied), or undefined when anything is unusual. */
function shape(data: unknown, plan: ClassPlan): Record<string, unknown> | undefined {
  if (!isPlainObject(data)) return undefined;
  const shaped: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    const property = plan.properties.get(key);
    if (!property || HIDDEN_KEYS.has(key)) return undefined;
    let value = data[key];
    if (property.nested && value !== null && value !== undefined) {
      value = shape(value, property.nested);
      if (value === undefined) return undefined;
    } else if (typeof value === 'object' && value !== null) {
      // Only arrays of plain values are copied as they are; anything deeper takes the full path.
      if (!Array.isArray(value) || value.some((item) => typeof item === 'object' && item !== null)) return undefined;
      value = [...value];
    }
    for (const transform of property.transforms) value = transform(value, data);
    shaped[key] = value;
  }
  return shaped;
}

/** Every constraint of every declared property holds (skipping those whose condition is false). */
function holds(object: Record<string, unknown>, plan: ClassPlan): boolean {
  for (const [property, propertyPlan] of plan.properties) {
    const value = object[property];
    if (!conditionsHold(propertyPlan.conditions, object, value)) continue;
    for (const check of propertyPlan.checks) if (!check(value, object)) return false;
    if (propertyPlan.nested && (!isPlainObject(value) || !holds(value, propertyPlan.nested))) return false;
  }
  return true;
}

/** `conditions.every(…)` without a closure per property and record. */
function conditionsHold(conditions: PropertyPlan['conditions'], object: Record<string, unknown>, value: unknown): boolean {
  for (const condition of conditions) if (!condition(object, value)) return false;
  return true;
}

/** A copy without nulls and undefineds, as `validateEventData` returns it. */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== null && item !== undefined) copy[key] = withoutEmpty(item);
    }
    return copy;
  }
  return value;
}

/**
 * `{ ok: true, value }` exactly as `validateEventData(eventType, data, { publisher })` would
 * return it, when the data is valid and ordinary; otherwise undefined (ask `validateEventData`).
 */
export function acceptEventData(eventType: string, data: unknown, publisher: string): { ok: true; value: Record<string, unknown> } | undefined {
  const dataClass = EVENT_DATA_CLASSES.get(eventType);
  if (!dataClass || !mayPublish(publisher, eventType)) return undefined;
  const plan = planOf(dataClass);
  if (!plan) return undefined;
  const shaped = shape(data, plan);
  if (!shaped || !holds(shaped, plan)) return undefined;
  return { ok: true, value: withoutEmpty(shaped) as Record<string, unknown> };
}
