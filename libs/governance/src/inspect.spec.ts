import fc from 'fast-check';
import { encodeEvent, eventsTopic, type EventDataValidation, type IncomingRecord } from '@accord/contracts';
import { exampleEventData } from '@accord/testing';
import { inspectEventData, inspectRecord } from './inspect';

const PROVIDER = 'southampton.adult-social-care';
const TOPIC = eventsTopic(PROVIDER);
const TYPE = 'asc.service.started.v1';

function record(overrides: { id?: string; source?: string; data?: Record<string, unknown> } = {}): IncomingRecord {
  return encodeEvent({ id: overrides.id, source: overrides.source ?? PROVIDER, type: TYPE, data: overrides.data ?? exampleEventData(TYPE) });
}

describe('inspectRecord', () => {
  it('accepts a valid event as the engine evaluates it: the topic participant as source, the validated data', () => {
    const message = record();
    const inspected = inspectRecord(TOPIC, message);
    expect(inspected).toMatchObject({ kind: 'accepted', event: { id: message.headers!.ce_id, type: TYPE, source: PROVIDER } });
  });

  it('keys a rejection by a UUID-shaped ce_id even when it is not a valid RFC 9562 UUID, so a redelivery meets the same rejection', () => {
    const nil = '00000000-0000-0000-0000-000000000000';
    const message = { ...record(), headers: { ...record().headers, ce_id: nil } };
    expect(inspectRecord(TOPIC, message)).toMatchObject({ kind: 'rejected', reason: 'invalid-envelope', eventId: nil, eventType: TYPE, source: PROVIDER });
  });

  it('validates the data with the validator it is given, and only with it', () => {
    const refusing = (): EventDataValidation => ({ ok: false, reason: 'invalid-payload', problems: [{ path: 'serviceType', problem: 'refused' }] });
    expect(inspectRecord(TOPIC, record(), refusing)).toMatchObject({ kind: 'rejected', reason: 'invalid-payload', problems: [{ path: 'serviceType' }] });
    const supplied = inspectEventData({ id: 'x', type: TYPE, source: PROVIDER, time: '2026-11-28T10:00:00Z' }, exampleEventData(TYPE), refusing);
    expect(supplied).toEqual({ kind: 'rejected', reason: 'invalid-payload', problems: [{ path: 'serviceType', problem: 'refused' }] });
  });

  it('never throws, whatever the headers, key and value', () => {
    const bytes = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }).map((array) => Buffer.from(array)));
    const headerNames = fc.constantFrom('ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_specversion', 'content-type', 'other');
    const message = fc.record({
      key: fc.option(bytes),
      value: fc.option(fc.oneof(bytes, fc.jsonValue().map((value) => JSON.stringify(value)))),
      headers: fc.dictionary(headerNames, fc.oneof(bytes, fc.array(bytes, { maxLength: 2 }))),
    });
    fc.assert(
      fc.property(message, (generated) => {
        const inspected = inspectRecord(TOPIC, generated as IncomingRecord);
        expect(['accepted', 'rejected']).toContain(inspected.kind);
      }),
      { numRuns: 500 },
    );
  });
});
