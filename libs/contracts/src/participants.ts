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
}

const reference = (id: string, organisation: string): ReferenceParticipant => {
  const { org, system } = parseParticipantId(id);
  return Object.freeze({ id, org, system, organisation });
};

/**
 * The organisations and participants of the reference scenario, for tests (docs/domain.md,
 * "Participants"). Their display names, which the hub shows, are registered from
 * infra/agreements/participants.yaml and kept only there.
 */
export const REFERENCE_PARTICIPANTS: readonly ReferenceParticipant[] = Object.freeze([
  reference('southampton.adult-social-care', 'Southampton City Council'),
  reference('southampton.revenues-benefits', 'Southampton City Council'),
  reference('hampshire.public-health', 'Hampshire County Council'),
  reference('isle-of-wight.adult-social-care', 'Isle of Wight Council'),
  reference('dorset.revenues-benefits', 'Dorset Council'),
  reference('uhs.discharge-hub', 'University Hospital Southampton NHS Foundation Trust'),
  reference('uhs.emergency-department', 'University Hospital Southampton NHS Foundation Trust'),
  reference('swast.clinical-hub', 'South Western Ambulance Service NHS Foundation Trust'),
  reference('hiow-icb.analytics', 'Hampshire and Isle of Wight Integrated Care Board'),
  reference('ukhsa.health-protection', 'UK Health Security Agency'),
  reference('ohid.ndtms', 'Office for Health Improvement and Disparities'),
]);
