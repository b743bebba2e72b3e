import { isParticipantId, parseParticipantId } from './participants';
import { eventTypeDefinitions, fieldSpecsOf, PUBLISHER_SYSTEMS, type EventTypeSpec, type FieldSpec } from './events/definition';
import { EventDataDto } from './events/subject.dto';
// The data classes define the event types; importing them registers each type.
import './events/adult-social-care.events';
import './events/public-health.events';
import './events/revenues-benefits.events';
import './events/nhs.events';

/*
 * The event types (docs/domain.md, "Event types") as plain data: which system may
 * publish each type, its fields, which fields are special category (UK GDPR Art. 9) or
 * criminal-offence data (Art. 10), and which types are safeguarding events. Derived from
 * the data classes (events/*.events.ts), the one definition of each type; the governance
 * engine validates agreements against it.
 */

export type { EventTypeSpec, FieldSpec, PublisherSystem, ValueKind } from './events/definition';
export * from './events/values';

/** `subject` is on every event; only `localId` is required. `name` may be released whole or by part. */
export const SUBJECT_FIELDS: readonly FieldSpec[] = fieldSpecsOf(EventDataDto);

const isSubjectField = (field: FieldSpec) => field.path === 'subject' || field.path.startsWith('subject.');

export const EVENT_TYPES: ReadonlyMap<string, EventTypeSpec> = new Map(
  eventTypeDefinitions().map((definition) => {
    const spec: EventTypeSpec = {
      type: definition.type,
      publisherSystem: definition.publisherSystem,
      description: definition.description,
      safeguarding: definition.safeguarding,
      nationalOptOutNeverApplies: definition.nationalOptOutNeverApplies,
      fields: fieldSpecsOf(definition.dataClass).filter((field) => !isSubjectField(field)),
    };
    return [definition.type, spec];
  }),
);

/** Every field path an agreement may name for a type: the subject fields plus the type's own. */
export function fieldsOf(eventType: string): readonly FieldSpec[] | undefined {
  const spec = EVENT_TYPES.get(eventType);
  return spec ? [...SUBJECT_FIELDS, ...spec.fields] : undefined;
}

/** The systems whose types only they publish; `nhs` types come from every other system. */
const FIRST_PARTY_SYSTEMS: ReadonlySet<string> = new Set(PUBLISHER_SYSTEMS.filter((system) => system !== 'nhs'));

/**
 * Event types belong to participants by system: any `*.adult-social-care` may publish
 * `asc.*`, and so on; `nhs.*` types come from participants of any other system.
 */
export function mayPublish(participant: string, eventType: string): boolean {
  const spec = EVENT_TYPES.get(eventType);
  if (!spec || !isParticipantId(participant)) return false;
  const { system } = parseParticipantId(participant);
  if (spec.publisherSystem === 'nhs') return !FIRST_PARTY_SYSTEMS.has(system);
  return spec.publisherSystem === system;
}
