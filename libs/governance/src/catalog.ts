/**
 * What the engine needs to know about event types, as an interface so that the rules
 * stay independent of where the catalogue lives (`EVENT_CATALOG` is built from
 * `@accord/contracts`' one; tests may build small ones).
 */

/** One field path an agreement may name, e.g. `subject.postcode` or `serviceType`. */
export interface CatalogField {
  readonly path: string;
  /** `string | number | integer | boolean | date | datetime | enum | enum[] | object`. */
  readonly kind: string;
  /** Special category data (UK GDPR Art. 9): sharing it needs an `article9` basis. */
  readonly specialCategory: boolean;
}

export interface CatalogEventType {
  readonly type: string;
  /** The system part of participant ids that may publish the type (`nhs` = any non-council system). */
  readonly publisherSystem: string;
  /** Every path an agreement may name for the type: the common subject fields and the type's own. */
  readonly fields: ReadonlyMap<string, CatalogField>;
  /** The only kind of event the safeguarding override can apply to. */
  readonly safeguarding: boolean;
  /** The national data opt-out never applies to this type (e.g. communicable disease notification). */
  readonly nationalOptOutNeverApplies: boolean;
}

export interface EventTypeCatalog {
  get(eventType: string): CatalogEventType | undefined;
  /** Whether a participant may publish the type (event types belong to participants by system). */
  mayPublish(participant: string, eventType: string): boolean;
}

/** The shape of `@accord/contracts`' event catalogue, described structurally so a test can build a small one. */
export interface EventCatalogSource {
  readonly eventTypes: ReadonlyMap<
    string,
    {
      readonly type: string;
      readonly publisherSystem: string;
      readonly safeguarding: boolean;
      readonly nationalOptOutNeverApplies: boolean;
    }
  >;
  /** All field paths of a type, subject fields included. */
  fieldsOf(eventType: string): readonly CatalogField[] | undefined;
  mayPublish(participant: string, eventType: string): boolean;
}

/**
 * Builds the engine's catalogue from the contracts' one, e.g.
 * `createEventTypeCatalog({ eventTypes: EVENT_TYPES, fieldsOf, mayPublish })`.
 * Field lookups are indexed once here so validation and evaluation never scan lists.
 */
export function createEventTypeCatalog(source: EventCatalogSource): EventTypeCatalog {
  const indexed = new Map<string, CatalogEventType>();
  for (const [type, spec] of source.eventTypes) {
    const fields = new Map<string, CatalogField>();
    for (const field of source.fieldsOf(type) ?? []) {
      fields.set(field.path, { path: field.path, kind: field.kind, specialCategory: field.specialCategory });
    }
    indexed.set(
      type,
      Object.freeze({
        type,
        publisherSystem: spec.publisherSystem,
        fields,
        safeguarding: spec.safeguarding,
        nationalOptOutNeverApplies: spec.nationalOptOutNeverApplies,
      }),
    );
  }
  return {
    get: (eventType) => indexed.get(eventType),
    mayPublish: (participant, eventType) => indexed.has(eventType) && source.mayPublish(participant, eventType),
  };
}
