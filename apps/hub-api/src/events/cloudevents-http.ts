import type { IncomingHttpHeaders } from 'node:http';
import { checkJsonBounds, eventsTopic, HEADERS, isJsonObject, JSON_CONTENT_TYPE, localIdOf, sourceOf, type Problem, type RejectionReason } from '@accord/contracts';
import { inspectRecord, validatePublishedData } from '@accord/governance';
import type { OutboxMessage } from '@accord/kafka';

/*
 * The CloudEvents HTTP binding (CloudEvents 1.0, HTTP protocol binding and JSON format) as
 * a partner without a Kafka client publishes with it (docs/contract.md, "Publishing over
 * HTTPS"): one event in structured mode, one in binary mode, or a batch. Each event
 * becomes exactly the record a Kafka partner would write to its events topic
 * (docs/contract.md, "The envelope") and is inspected by the broker's own `inspectRecord`,
 * so HTTP accepts exactly what the broker would decide on. Problems name the attribute,
 * header or data path as the partner sent it, never a value.
 */

export const CLOUDEVENTS_MEDIA_TYPE = 'application/cloudevents+json';
export const CLOUDEVENTS_BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';
/** Events one request may carry. */
export const MAX_EVENTS_PER_REQUEST = 100;
/** The largest request body (structured or batch; binary mode is held to the API's JSON limit, the same size). */
export const MAX_EVENTS_BODY_BYTES = 1024 * 1024;

export type PublishMode = 'structured' | 'binary' | 'batch';

/** An event read from a request, valid as the broker judges it, ready for the outbox. */
export interface ReceivedEvent {
  id: string;
  /** Where the request named its id (`id`, `ce-id`, `2.id`), for a conflict found later. */
  idPath: string;
  message: OutboxMessage;
}

/** What a request held: its events, all valid, or every problem; `sent` counts the events it carried either way. */
export type ReadEvents = { ok: true; mode: PublishMode; sent: number; events: ReceivedEvent[] } | { ok: false; mode: PublishMode; sent: number; problems: Problem[] };

/** The context attributes the Accord envelope carries, and the Kafka header each one becomes. */
const ATTRIBUTE_HEADERS: Readonly<Record<string, string>> = {
  specversion: HEADERS.specVersion,
  id: HEADERS.id,
  source: HEADERS.source,
  type: HEADERS.type,
  time: HEADERS.time,
  datacontenttype: HEADERS.contentType,
};
const ATTRIBUTE_OF_HEADER = new Map(Object.entries(ATTRIBUTE_HEADERS).map(([attribute, header]) => [header, attribute]));

/** A CloudEvents attribute name (lower-case letters and digits); anything else is named by position. */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;

/** One event as sent, before it is checked: its attributes and data, and how its parts are named to the sender. */
interface SentEvent {
  attributes: Record<string, unknown>;
  data: unknown;
  hasData: boolean;
  /** Attributes the envelope does not carry, as the sender named them. */
  unknown: Array<{ path: string; problem: string }>;
  /** The request's name for an attribute (`id`, `ce-id`, `2.id`). */
  attributePath(attribute: string): string;
  /** The request's name for the data, or a path inside it. */
  dataPath(path?: string): string;
}

/** The media type of a Content-Type header, lower case, without parameters. */
function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase() || undefined;
}

export function publishModeOf(headers: IncomingHttpHeaders): PublishMode {
  const type = mediaType(headers['content-type']);
  if (type === CLOUDEVENTS_MEDIA_TYPE) return 'structured';
  if (type === CLOUDEVENTS_BATCH_MEDIA_TYPE) return 'batch';
  return 'binary';
}

/**
 * Reads every event of a request published by `participant` and checks each as the broker
 * would check the record it becomes. Either all are valid, or every problem of every event
 * is listed (and nothing of the request is to be published).
 */
export function readCloudEvents(request: { headers: IncomingHttpHeaders; body: unknown }, participant: string): ReadEvents {
  const mode = publishModeOf(request.headers);
  const sent: SentEvent[] = [];
  const problems: Problem[] = [];
  if (mode === 'binary') {
    sent.push(binaryEvent(request.headers, request.body));
  } else if (mode === 'structured') {
    if (isJsonObject(request.body)) sent.push(structuredEvent(request.body, ''));
    else problems.push({ path: 'body', problem: 'must be one CloudEvent, a JSON object' });
  } else if (!Array.isArray(request.body)) {
    problems.push({ path: 'body', problem: 'must be a JSON array of CloudEvents' });
  } else if (request.body.length === 0 || request.body.length > MAX_EVENTS_PER_REQUEST) {
    problems.push({ path: 'body', problem: `must hold from 1 to ${MAX_EVENTS_PER_REQUEST} events` });
  } else {
    request.body.forEach((event: unknown, index) => {
      if (isJsonObject(event)) sent.push(structuredEvent(event, `${index}.`));
      else problems.push({ path: String(index), problem: 'must be a CloudEvent, a JSON object' });
    });
  }

  const events: ReceivedEvent[] = [];
  const idPaths = new Map<string, string>();
  for (const event of sent) {
    const checked = checkEvent(event, participant);
    if (!checked.ok) {
      problems.push(...checked.problems);
      continue;
    }
    const key = checked.event.id.toLowerCase();
    if (idPaths.has(key)) problems.push({ path: checked.event.idPath, problem: `repeats the id of ${idPaths.get(key)} in this request` });
    else idPaths.set(key, checked.event.idPath);
    events.push(checked.event);
  }
  const count = Math.max(1, sent.length);
  return problems.length > 0 ? { ok: false, mode, sent: count, problems } : { ok: true, mode, sent: count, events };
}

/** Structured mode (and each event of a batch): the JSON event format, attributes as members beside `data`. */
function structuredEvent(body: Record<string, unknown>, prefix: string): SentEvent {
  const attributes: Record<string, unknown> = {};
  const unknown: SentEvent['unknown'] = [];
  Object.keys(body).forEach((name, position) => {
    if (name === 'data') return;
    if (name in ATTRIBUTE_HEADERS) attributes[name] = body[name];
    else if (name === 'data_base64') unknown.push({ path: `${prefix}data_base64`, problem: 'is not accepted: the event data must be JSON, in data' });
    else unknown.push({ path: `${prefix}${ATTRIBUTE_NAME.test(name) ? name : `<attribute ${position}>`}`, problem: 'is not an attribute of the Accord envelope' });
  });
  return {
    attributes,
    data: body.data,
    hasData: 'data' in body,
    unknown,
    attributePath: (attribute) => `${prefix}${attribute}`,
    dataPath: (path) => `${prefix}data${path ? `.${path}` : ''}`,
  };
}

/** Binary mode: attributes in `ce-` headers (percent-encoded), the data as the body, its media type in Content-Type. */
function binaryEvent(headers: IncomingHttpHeaders, body: unknown): SentEvent {
  const attributes: Record<string, unknown> = {};
  const unknown: SentEvent['unknown'] = [];
  Object.keys(headers).forEach((name, position) => {
    if (!name.startsWith('ce-')) return;
    const attribute = name.slice(3);
    if (!(attribute in ATTRIBUTE_HEADERS) || attribute === 'datacontenttype') {
      unknown.push({ path: ATTRIBUTE_NAME.test(attribute) ? name : `<header ${position}>`, problem: 'is not an attribute of the Accord envelope' });
      return;
    }
    const value = headers[name];
    try {
      attributes[attribute] = typeof value === 'string' ? decodeURIComponent(value) : value;
    } catch {
      unknown.push({ path: name, problem: 'must be percent-encoded correctly' });
    }
  });
  if (headers['content-type'] !== undefined) attributes.datacontenttype = headers['content-type'];
  return {
    attributes,
    data: body,
    hasData: body !== undefined,
    unknown,
    attributePath: (attribute) => (attribute === 'datacontenttype' ? 'content-type' : `ce-${attribute}`),
    dataPath: (path) => (path ? `body.${path}` : 'body'),
  };
}

/** One event checked and turned into its events-topic record, or its problems. */
function checkEvent(event: SentEvent, participant: string): { ok: true; event: ReceivedEvent } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [...event.unknown];
  const headers: Record<string, string> = {};
  for (const [attribute, value] of Object.entries(event.attributes)) {
    if (typeof value === 'string') headers[ATTRIBUTE_HEADERS[attribute]!] = value;
    else problems.push({ path: event.attributePath(attribute), problem: 'must be a string' });
  }
  const source = headers[HEADERS.source];
  if (source !== undefined && source !== sourceOf(participant)) {
    problems.push({ path: event.attributePath('source'), problem: "must be urn:accord:<participant>, naming the token's participant" });
  }
  // The JSON event format: without datacontenttype the data is JSON.
  headers[HEADERS.contentType] ??= JSON_CONTENT_TYPE;
  let value: string | null = null;
  if (!event.hasData) {
    problems.push({ path: event.dataPath(), problem: 'is missing: the event data, a JSON object' });
  } else {
    // Bounded before anything walks it recursively (JSON.stringify does).
    const before = problems.length;
    checkJsonBounds(event.data, problems, event.dataPath());
    if (problems.length === before) value = JSON.stringify(event.data);
  }
  const key = localIdOf(event.data);
  const inspected = inspectRecord(eventsTopic(participant), { key: key ?? null, headers, value });
  if (inspected.kind === 'accepted' && problems.length === 0) {
    const { envelope } = inspected;
    return {
      ok: true,
      event: {
        id: envelope.id,
        idPath: event.attributePath('id'),
        message: { eventId: envelope.id, topic: eventsTopic(participant), key: envelope.key, headers, value: value! },
      },
    };
  }
  const flagged = new Set(problems.map((problem) => problem.path));
  const add = (found: readonly Problem[], reason: RejectionReason) => {
    for (const problem of found) {
      // A missing key is the data's missing subject.localId, which the data's own checks name.
      if (problem.path === 'key' && key === undefined) continue;
      const path = requestPath(problem.path, reason, event);
      if (!flagged.has(path)) problems.push({ path, problem: problem.problem });
      flagged.add(path);
    }
  };
  if (inspected.kind === 'rejected') {
    add(inspected.problems, inspected.reason);
    // The broker stops at a bad envelope; a partner fixing its request wants the data's problems too.
    const type = headers[HEADERS.type];
    if (inspected.reason === 'invalid-envelope' && value !== null && type !== undefined) {
      const validated = validatePublishedData(type, event.data, participant);
      if (!validated.ok) add(validated.problems, validated.reason);
    }
  }
  return { ok: false, problems };
}

/** A problem's path from the broker's checks (a Kafka header, `key`, `value`, the event type or a data path) as the request names it. */
function requestPath(path: string, reason: RejectionReason, event: SentEvent): string {
  if (reason === 'unknown-event-type' && path === 'type') return event.attributePath('type');
  const attribute = ATTRIBUTE_OF_HEADER.get(path);
  if (attribute !== undefined) return event.attributePath(attribute);
  if (path === 'key') return event.dataPath('subject.localId');
  if (path === 'value' || path === '') return event.dataPath();
  return event.dataPath(path);
}
