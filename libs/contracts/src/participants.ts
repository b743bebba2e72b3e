/*
 * Participants and the Kafka topics named after them (docs/contract.md, "Participants"
 * and "Topics and who may touch them"). A participant is one system of one
 * organisation; the organisation is the data controller.
 */

/** `<org>.<system>`: lower-case `[a-z0-9-]` parts joined by exactly one dot. */
export const PARTICIPANT_ID_PATTERN = /^[a-z0-9-]+\.[a-z0-9-]+$/;

export interface ParticipantIdParts {
  org: string;
  system: string;
}

export function isParticipantId(value: unknown): value is string {
  return typeof value === 'string' && PARTICIPANT_ID_PATTERN.test(value);
}

/** Throws for an invalid id: callers validate input first (e.g. `isParticipantId` in a pipe). */
export function parseParticipantId(participant: string): ParticipantIdParts {
  if (!isParticipantId(participant)) throw new Error('not a participant id: expected <org>.<system> in lower-case letters, digits and hyphens');
  const [org, system] = participant.split('.') as [string, string];
  return { org, system };
}

const EVENTS_PREFIX = 'accord.events.';
const INBOX_PREFIX = 'accord.inbox.';

/** Written by the participant, read by the sharing broker. */
export function eventsTopic(participant: string): string {
  return `${EVENTS_PREFIX}${participant}`;
}

/** Written by the sharing broker, read by that participant only. */
export function inboxTopic(participant: string): string {
  return `${INBOX_PREFIX}${participant}`;
}

/** Rejected events with their reason; read by ops and redrive. */
export const DLQ_TOPIC = 'accord.dlq';

/** Consent statements as they are recorded; read by the broker's cache. */
export const CONSENT_CHANGES_TOPIC = 'accord.consent.changes';

/**
 * Every participant's events topic, for a kafkajs pattern subscription (so a participant
 * registered later is picked up on the next metadata refresh). No `g` flag: `test` must be stateless.
 */
export const EVENTS_TOPIC_PATTERN = /^accord\.events\.[a-z0-9-]+\.[a-z0-9-]+$/;

/** Every participant's inbox topic, for a pattern subscription (hub-api's partner delivery). */
export const INBOX_TOPIC_PATTERN = /^accord\.inbox\.[a-z0-9-]+\.[a-z0-9-]+$/;

/** `accord.events.uhs.discharge-hub` → `uhs.discharge-hub`; undefined for any other topic. */
export function participantFromEventsTopic(topic: string): string | undefined {
  if (!topic.startsWith(EVENTS_PREFIX)) return undefined;
  const participant = topic.slice(EVENTS_PREFIX.length);
  return isParticipantId(participant) ? participant : undefined;
}

/** `accord.inbox.ohid.ndtms` → `ohid.ndtms`; undefined for any other topic. */
export function participantFromInboxTopic(topic: string): string | undefined {
  if (!topic.startsWith(INBOX_PREFIX)) return undefined;
  const participant = topic.slice(INBOX_PREFIX.length);
  return isParticipantId(participant) ? participant : undefined;
}

const SOURCE_PREFIX = 'urn:accord:';

/** The CloudEvents `source` of a participant's events. */
export function sourceOf(participant: string): string {
  return `${SOURCE_PREFIX}${participant}`;
}

/** `urn:accord:uhs.discharge-hub` → `uhs.discharge-hub`; undefined when it is not a valid Accord source. */
export function participantFromSource(source: string): string | undefined {
  if (!source.startsWith(SOURCE_PREFIX)) return undefined;
  const participant = source.slice(SOURCE_PREFIX.length);
  return isParticipantId(participant) ? participant : undefined;
}

export interface ReferenceParticipant {
  /** `<org>.<system>`. */
  readonly id: string;
  readonly org: string;
  readonly system: string;
  /** The organisation: the data controller. */
  readonly organisation: string;
  readonly displayName: string;
}

const reference = (id: string, organisation: string, displayName: string): ReferenceParticipant => {
  const { org, system } = parseParticipantId(id);
  return Object.freeze({ id, org, system, organisation, displayName });
};

/** The organisations and participants of the reference scenario, for seed data, demos and tests (docs/domain.md, "Participants"). */
export const REFERENCE_PARTICIPANTS: readonly ReferenceParticipant[] = Object.freeze([
  reference('southampton.adult-social-care', 'Southampton City Council', 'Southampton City Council adult social care'),
  reference('southampton.revenues-benefits', 'Southampton City Council', 'Southampton City Council revenues and benefits'),
  reference('hampshire.public-health', 'Hampshire County Council', 'Hampshire County Council public health'),
  reference('isle-of-wight.adult-social-care', 'Isle of Wight Council', 'Isle of Wight Council adult social care'),
  reference(
    'dorset.revenues-benefits',
    'Dorset Council',
    'Dorset Council revenues and benefits (successor to North Dorset, West Dorset, Weymouth and Portland)',
  ),
  reference('uhs.discharge-hub', 'University Hospital Southampton NHS Foundation Trust', 'University Hospital Southampton discharge hub'),
  reference('uhs.emergency-department', 'University Hospital Southampton NHS Foundation Trust', 'University Hospital Southampton emergency department'),
  reference('swast.clinical-hub', 'South Western Ambulance Service NHS Foundation Trust', 'South Western Ambulance Service clinical hub'),
  reference('hiow-icb.analytics', 'Hampshire and Isle of Wight Integrated Care Board', 'Hampshire and Isle of Wight ICB analytics'),
  reference('ukhsa.health-protection', 'UK Health Security Agency', 'UK Health Security Agency health protection'),
  reference('ohid.ndtms', 'Office for Health Improvement and Disparities', 'OHID National Drug Treatment Monitoring System'),
]);
