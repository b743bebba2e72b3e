import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CloudEvent, HTTP } from 'cloudevents';
import { encodeEvent, eventsTopic } from '@accord/contracts';
import { exampleEventData } from '@accord/testing';
import { MAX_EVENTS_PER_REQUEST, readCloudEvents } from './cloudevents-http';

const PUBLISHER = 'southampton.adult-social-care';
const TYPE = 'asc.service.started.v1';

/** What a partner's CloudEvents SDK sends, as Express hands it over: lower-case headers, the JSON body parsed. */
function received(message: { headers: Record<string, unknown>; body: unknown }): { headers: IncomingHttpHeaders; body: unknown } {
  const headers = Object.fromEntries(Object.entries(message.headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return { headers, body: typeof message.body === 'string' ? JSON.parse(message.body) : message.body };
}

function event(overrides: Record<string, unknown> = {}): CloudEvent<Record<string, unknown>> {
  return new CloudEvent({
    id: randomUUID(),
    source: `urn:accord:${PUBLISHER}`,
    type: TYPE,
    time: '2026-12-04T10:00:00.000Z',
    datacontenttype: 'application/json',
    data: exampleEventData(TYPE),
    ...overrides,
  });
}

/** A structured-mode event as a plain JSON object, for the malformed cases an SDK would not build. */
function structuredJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { specversion: '1.0', id: randomUUID(), source: `urn:accord:${PUBLISHER}`, type: TYPE, time: '2026-12-04T10:00:00Z', data: exampleEventData(TYPE), ...overrides };
}

const STRUCTURED = { 'content-type': 'application/cloudevents+json' };
const BATCH = { 'content-type': 'application/cloudevents-batch+json' };

describe('readCloudEvents: the CloudEvents HTTP binding as the broker judges it', () => {
  it.each([
    ['structured', HTTP.structured],
    ['binary', HTTP.binary],
  ])('turns an SDK-sent %s-mode event into exactly the record a Kafka partner writes', (mode, serialise) => {
    const sent = event();
    const read = readCloudEvents(received(serialise(sent)), PUBLISHER);
    expect(read).toMatchObject({ ok: true, mode });
    if (!read.ok) return;
    const kafka = encodeEvent({ id: sent.id, source: PUBLISHER, type: TYPE, time: sent.time, data: sent.data! });
    expect(read.events).toEqual([
      { id: sent.id, idPath: mode === 'binary' ? 'ce-id' : 'id', message: { eventId: sent.id, topic: eventsTopic(PUBLISHER), ...kafka } },
    ]);
  });

  it('reads a batch in order and names every problem of every event, by index, never a value', () => {
    const good = structuredJson();
    const badNumber = structuredJson({ data: { ...exampleEventData(TYPE), subject: { ...(exampleEventData(TYPE).subject as object), nhsNumber: '9434765918' } } });
    const badAttributes = structuredJson({ time: 1764842400, traceparent: '00-abc', 'Bad Name': 'x', data_base64: 'e30=' });
    const read = readCloudEvents({ headers: BATCH, body: [good, badNumber, badAttributes] }, PUBLISHER);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.mode).toBe('batch');
    const paths = read.problems.map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['1.data.subject.nhsNumber', '2.time', '2.traceparent', '2.<attribute 7>', '2.data_base64']));
    expect(paths.some((path) => path.startsWith('0.'))).toBe(false);
    expect(read.problems.find((problem) => problem.path === '2.time')?.problem).toBe('must be a string');
    expect(JSON.stringify(read.problems)).not.toContain('9434765918');
  });

  it("names the data's problems and an unknown type even when the envelope is wrong, where the broker would stop at the envelope", () => {
    const read = readCloudEvents(
      { headers: STRUCTURED, body: structuredJson({ id: 'not-a-uuid', data: { ...exampleEventData(TYPE), serviceType: 7 } }) },
      PUBLISHER,
    );
    expect(read).toMatchObject({ ok: false, problems: [{ path: 'id', problem: 'must be a UUID' }, { path: 'data.serviceType' }] });
    const unknownType = readCloudEvents({ headers: STRUCTURED, body: structuredJson({ type: 'asc.no-such-event.v1' }) }, PUBLISHER);
    expect(unknownType).toMatchObject({ ok: false, problems: [{ path: 'type', problem: 'unknown event type' }] });
  });

  it('refuses a source other than the publishing participant, as the broker refuses a record on another participant\'s topic', () => {
    const read = readCloudEvents(received(HTTP.structured(event({ source: 'urn:accord:southampton.revenues-benefits' }))), PUBLISHER);
    expect(read).toMatchObject({ ok: false, problems: [{ path: 'source', problem: expect.stringContaining('participant') }] });
  });

  it('names binary-mode problems by their headers', () => {
    const { headers, body } = received(HTTP.binary(event()));
    delete headers['ce-id'];
    headers['ce-extra'] = 'x';
    headers['content-type'] = 'text/plain';
    const read = readCloudEvents({ headers, body }, PUBLISHER);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toEqual(
      expect.arrayContaining([
        { path: 'ce-id', problem: 'is missing' },
        { path: 'ce-extra', problem: 'is not an attribute of the Accord envelope' },
        { path: 'content-type', problem: expect.stringContaining('application/json') },
      ]),
    );
  });

  it('bounds the data before walking it: nesting 100,000 deep is one problem, not a stack overflow', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
    const read = readCloudEvents({ headers: STRUCTURED, body: structuredJson({ data: deep }) }, PUBLISHER);
    expect(read).toMatchObject({ ok: false, problems: [expect.objectContaining({ path: 'data', problem: expect.stringContaining('nest') })] });
  });

  it('refuses an empty batch, one over the limit, and an id twice in one request', () => {
    expect(readCloudEvents({ headers: BATCH, body: [] }, PUBLISHER)).toMatchObject({ ok: false, problems: [{ path: 'body' }] });
    const tooMany = Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => structuredJson());
    expect(readCloudEvents({ headers: BATCH, body: tooMany }, PUBLISHER)).toMatchObject({ ok: false, problems: [{ path: 'body' }] });
    const twice = structuredJson();
    expect(readCloudEvents({ headers: BATCH, body: [twice, { ...twice }] }, PUBLISHER)).toMatchObject({
      ok: false,
      problems: [{ path: '1.id', problem: 'repeats the id of 0.id in this request' }],
    });
  });

  it('refuses a structured body that is not one event, and an event without data', () => {
    expect(readCloudEvents({ headers: STRUCTURED, body: [structuredJson()] }, PUBLISHER)).toMatchObject({ ok: false, problems: [{ path: 'body' }] });
    const { data: _data, ...withoutData } = structuredJson();
    const read = readCloudEvents({ headers: STRUCTURED, body: withoutData }, PUBLISHER);
    expect(read).toMatchObject({ ok: false, problems: [{ path: 'data', problem: expect.stringContaining('missing') }] });
  });
});
