import { LOCAL_ID_MAX_LENGTH } from '../events/subject.dto';
import { eventTypeDefinitions, PUBLISHER_SYSTEMS, type FieldHolder, type PublisherSystem } from '../events/definition';
import { DEAD_LETTER_HEADERS, REJECTION_REASONS } from '../dead-letter';
import { CONSENT_NOTICE_TYPE } from '../consent-notice';
import { HEADERS, JSON_CONTENT_TYPE, SPEC_VERSION } from '../envelope';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC, PARTICIPANT_ID_PATTERN } from '../participants';
import { eventDataSchemaBody, objectSchemaOf, SHARED_SCHEMA_CLASSES, type JsonSchema } from './event-data-schema';

/*
 * The AsyncAPI 3.0 document of Accord's Kafka contract (docs/contract.md, "Topics and who
 * may touch them" and "The envelope"), generated from the event data classes and the
 * envelope's header names: every topic, every message (one per event type, as published
 * and as released to a recipient) and every header. Served by hub-api at `GET
 * /v1/catalog/asyncapi.json` and written to docs/asyncapi.json by `npm run
 * contract:write`. Operations are a partner's: it sends to its events topic and receives
 * from its inbox.
 */

export const ASYNCAPI_VERSION = '3.0.0';
/** The document's own version; each event type carries its version in its name. */
export const CONTRACT_DOCUMENT_VERSION = '1.0.0';

const KAFKA_BINDING_VERSION = '0.5.0';

/** `<org>.<system>` without anchors, to build the source pattern from the one participant-id pattern. */
const PARTICIPANT = PARTICIPANT_ID_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '');

const schemaRef = (name: string) => `#/components/schemas/${name}`;
const messageRef = (name: string) => ({ $ref: `#/components/messages/${name}` });
const channelRef = (name: string) => ({ $ref: `#/channels/${name}` });

/** Shared classes are written once, under components.schemas. */
function sharedReference(holder: FieldHolder): string | undefined {
  for (const [name, shared] of SHARED_SCHEMA_CLASSES) if (shared === holder) return schemaRef(name);
  return undefined;
}

function cloudEventHeaders(type: string | undefined): JsonSchema {
  return {
    [HEADERS.specVersion]: { type: 'string', const: SPEC_VERSION, description: 'CloudEvents spec version' },
    [HEADERS.id]: { type: 'string', format: 'uuid', description: 'Unique per event; a re-send of the same event keeps it' },
    [HEADERS.source]: { type: 'string', pattern: `^urn:accord:${PARTICIPANT}$`, description: 'urn:accord:<participant>, the publishing participant' },
    [HEADERS.type]: type === undefined ? { type: 'string', description: 'The event type' } : { type: 'string', const: type },
    [HEADERS.time]: { type: 'string', format: 'date-time', description: 'When it happened, RFC 3339' },
    [HEADERS.contentType]: { type: 'string', const: JSON_CONTENT_TYPE },
  };
}

const ACCORD_INBOX_HEADERS: JsonSchema = {
  [HEADERS.agreement]: { type: 'string', pattern: '^[a-z0-9-]+@[1-9][0-9]*$', description: '<agreement id>@<version> under which it was released' },
  [HEADERS.purpose]: { type: 'string', minLength: 1, description: "The agreement's purpose code" },
  [HEADERS.decision]: { type: 'string', minLength: 1, description: 'The decision id in the audit log' },
};

function headersSchema(properties: JsonSchema): JsonSchema {
  return { type: 'object', properties, required: Object.keys(properties) };
}

const RECORD_KEY = { type: 'string', minLength: 1, maxLength: LOCAL_ID_MAX_LENGTH, description: "subject.localId: the source's opaque person reference, never an NHS or NI number" };

function kafkaKey(key: JsonSchema) {
  return { kafka: { key, bindingVersion: KAFKA_BINDING_VERSION } };
}

/**
 * What a recipient receives of a type: the fields the agreement releases (any may be
 * absent) with its transforms applied, each of which makes a value a string
 * (`pseudonymise`, `year-only`, `postcode-district`).
 */
export function releasedSchema(schema: JsonSchema): JsonSchema {
  if (schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'))) {
    const { required: _required, properties, ...rest } = schema;
    const released = Object.fromEntries(Object.entries((properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => [name, releasedSchema(property)]));
    return { ...rest, properties: released };
  }
  const { description, ...rest } = schema;
  return {
    ...(description === undefined ? {} : { description }),
    anyOf: [rest, { type: 'string', description: 'Transformed by the agreement' }],
  };
}

const RELEASED_SUFFIX = '.released';

/** The AsyncAPI 3.0 document (plain JSON). */
export function asyncApiDocument(): JsonSchema {
  const definitions = eventTypeDefinitions();
  const messages: Record<string, JsonSchema> = {};
  for (const definition of definitions) {
    messages[definition.type] = {
      name: definition.type,
      title: definition.description,
      summary: `${definition.description} (published by a participant of system ${definition.publisherSystem === 'nhs' ? 'other than the council systems' : definition.publisherSystem})`,
      contentType: JSON_CONTENT_TYPE,
      headers: headersSchema(cloudEventHeaders(definition.type)),
      payload: eventDataSchemaBody(definition.type, sharedReference),
      bindings: kafkaKey(RECORD_KEY),
      ...(definition.safeguarding ? { tags: [{ name: 'safeguarding' }] } : {}),
    };
    messages[`${definition.type}${RELEASED_SUFFIX}`] = {
      name: `${definition.type}${RELEASED_SUFFIX}`,
      title: `${definition.description}, as released to a recipient`,
      summary: 'Only the fields the agreement releases, transformed as it says. De-duplicate on (ce_id, ce_accordagreement).',
      contentType: JSON_CONTENT_TYPE,
      headers: headersSchema({ ...cloudEventHeaders(definition.type), ...ACCORD_INBOX_HEADERS }),
      payload: releasedSchema(eventDataSchemaBody(definition.type)),
      bindings: kafkaKey({ type: 'string', minLength: 1, description: 'The released subject.localId, a pseudonym of it, or the source key' }),
    };
  }
  messages.consentNotice = {
    name: CONSENT_NOTICE_TYPE,
    title: 'A consent statement now withholds records the recipient already holds',
    contentType: JSON_CONTENT_TYPE,
    headers: headersSchema({ ...cloudEventHeaders(CONSENT_NOTICE_TYPE), [HEADERS.source]: { type: 'string', description: 'The hub' } }),
    payload: { type: 'object', description: 'noticeId, statementId, kind (withdraw | object | national-opt-out), scope, effectiveFrom, recordedAt, affected[{agreementId, purpose, eventIds}], truncated' },
  };
  messages.deadLetter = {
    name: 'dead-letter',
    title: 'A record the broker rejected, unchanged, with why',
    summary: 'Key, value and original headers as consumed; the accord_dlq_* headers added.',
    headers: {
      type: 'object',
      properties: {
        [DEAD_LETTER_HEADERS.reason]: { type: 'string', enum: [...REJECTION_REASONS] },
        [DEAD_LETTER_HEADERS.problems]: { type: 'string', description: 'JSON array of {path, problem}; never a value' },
        [DEAD_LETTER_HEADERS.topic]: { type: 'string' },
        [DEAD_LETTER_HEADERS.partition]: { type: 'string', pattern: '^[0-9]+$' },
        [DEAD_LETTER_HEADERS.offset]: { type: 'string', pattern: '^[0-9]+$' },
        [DEAD_LETTER_HEADERS.rejectedAt]: { type: 'string', format: 'date-time' },
        [DEAD_LETTER_HEADERS.decision]: { type: 'string' },
        [DEAD_LETTER_HEADERS.redriveCount]: { type: 'string', pattern: '^[0-9]+$' },
        [DEAD_LETTER_HEADERS.dropped]: { type: 'string', description: 'Comma-separated parts over the record bounds: value, key, headers' },
      },
      required: [DEAD_LETTER_HEADERS.reason, DEAD_LETTER_HEADERS.topic, DEAD_LETTER_HEADERS.rejectedAt, DEAD_LETTER_HEADERS.decision],
    },
    payload: { description: 'The rejected record value as it was received' },
  };
  messages.consentChange = {
    name: 'consent-change',
    title: 'A consent statement was recorded',
    summary: 'Keyed by the statement id; names the person by keyed hash only.',
    contentType: JSON_CONTENT_TYPE,
    payload: { type: 'object', description: 'statementId, kind, scope, effectiveFrom, recordedAt, recordedSeq, subjectKey, subjectKeys' },
  };

  const participantParameter = {
    participant: { description: `The participant, <org>.<system>: ${PARTICIPANT_ID_PATTERN.source}`, examples: ['southampton.adult-social-care', 'uhs.discharge-hub'] },
  };
  const channels = {
    participantEvents: {
      address: 'accord.events.{participant}',
      title: "A participant's events",
      description: 'Written only by that participant (Kafka ACLs), read by the sharing broker. Record key: subject.localId.',
      parameters: participantParameter,
      messages: Object.fromEntries(definitions.map((definition) => [definition.type, messageRef(definition.type)])),
    },
    participantInbox: {
      address: 'accord.inbox.{participant}',
      title: "A participant's inbox",
      description: 'Written by the sharing broker (released events) and hub-api (consent notices), read only by that participant.',
      parameters: participantParameter,
      messages: {
        ...Object.fromEntries(definitions.map((definition) => [`${definition.type}${RELEASED_SUFFIX}`, messageRef(`${definition.type}${RELEASED_SUFFIX}`)])),
        consentNotice: messageRef('consentNotice'),
      },
    },
    deadLetters: { address: DLQ_TOPIC, title: 'Rejected records', description: 'Read by ops (hub-api) and redrive.', messages: { deadLetter: messageRef('deadLetter') } },
    consentChanges: {
      address: CONSENT_CHANGES_TOPIC,
      title: 'Consent statements as recorded',
      description: "Written by hub-api, read by the sharing broker's consent cache.",
      messages: { consentChange: messageRef('consentChange') },
    },
  };

  const publishOperation = (system: PublisherSystem) => {
    const types = definitions.filter((definition) => definition.publisherSystem === system);
    return {
      action: 'send',
      channel: channelRef('participantEvents'),
      title: `Publish ${system} events`,
      description:
        system === 'nhs'
          ? 'A participant of any system other than adult-social-care, public-health and revenues-benefits publishes these.'
          : `A participant <org>.${system} publishes these to its own events topic.`,
      messages: types.map((definition) => ({ $ref: `#/channels/participantEvents/messages/${definition.type}` })),
    };
  };
  const operations = {
    ...Object.fromEntries(PUBLISHER_SYSTEMS.map((system) => [`publish-${system}`, publishOperation(system)])),
    receiveInbox: {
      action: 'receive',
      channel: channelRef('participantInbox'),
      title: 'Receive released events and consent notices',
      description: 'Consume with a group prefixed <participant>.',
    },
  };

  return {
    asyncapi: ASYNCAPI_VERSION,
    info: {
      title: 'Accord event contract',
      version: CONTRACT_DOCUMENT_VERSION,
      description:
        'CloudEvents 1.0 in Kafka binary mode: attributes in ce_* headers, the event data as the JSON value, subject.localId as the key. ' +
        'Unknown keys are refused; optional fields may be null (treated as absent). Keywords x-accord-* name rules JSON Schema cannot state.',
    },
    defaultContentType: JSON_CONTENT_TYPE,
    channels,
    operations,
    components: {
      schemas: Object.fromEntries([...SHARED_SCHEMA_CLASSES].map(([name, holder]) => [name, objectSchemaOf(holder, sharedReference)])),
      messages,
    },
  };
}
