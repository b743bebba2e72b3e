import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { decodeEvent, decodeInboxRecord, encodeEvent, encodeInboxRecord, headerText, type EncodedRecord, type IncomingRecord } from './envelope';
import { EVENT_TYPES } from './event-catalog';
import { exampleEventData } from '@accord/testing';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const TYPE = 'asc.service.started.v1';
const data = () => exampleEventData(TYPE);

/** As kafkajs delivers it: key, value and headers as Buffers. */
function onTheWire(record: EncodedRecord): IncomingRecord {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(record.headers)) headers[name] = Buffer.from(value);
  return { key: Buffer.from(record.key), value: Buffer.from(record.value), headers };
}

/** Any JSON value as it survives JSON itself (fast-check may produce -0, which JSON writes as 0). */
const jsonValue = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown);

const encoded = () => encodeEvent({ id: ID, source: 'southampton.adult-social-care', type: TYPE, time: '2026-11-28T10:00:00Z', data: data() });

function problemPaths(record: IncomingRecord): string[] {
  const result = decodeEvent(record);
  return result.ok ? [] : result.problems.map((problem) => problem.path);
}

describe('encodeEvent', () => {
  it('writes the CloudEvents binary-mode headers, keyed by subject.localId', () => {
    expect(encoded()).toEqual({
      key: 'scc-asc-100234',
      headers: {
        ce_specversion: '1.0',
        ce_id: ID,
        ce_source: 'urn:accord:southampton.adult-social-care',
        ce_type: TYPE,
        ce_time: '2026-11-28T10:00:00Z',
        'content-type': 'application/json',
      },
      value: JSON.stringify(data()),
    });
  });

  it('makes a UUID and a time when none is given', () => {
    const first = encodeEvent({ source: 'southampton.adult-social-care', type: TYPE, data: data() });
    const second = encodeEvent({ source: 'southampton.adult-social-care', type: TYPE, data: data() });
    expect(first.headers.ce_id).not.toBe(second.headers.ce_id);
    expect(decodeEvent(first)).toMatchObject({ ok: true });
  });

  it('refuses what only a programming error produces, without quoting the data', () => {
    expect(() => encodeEvent({ source: 'Not A Participant', type: TYPE, data: data() })).toThrow(/participant/);
    expect(() => encodeEvent({ id: 'event-1', source: 'southampton.adult-social-care', type: TYPE, data: data() })).toThrow(/UUID/);
    expect(() => encodeEvent({ source: 'southampton.adult-social-care', type: TYPE, data: { subject: { nhsNumber: '9434765919' } } })).toThrow(
      /^encodeEvent: data\.subject\.localId is required/,
    );
  });
});

describe('decodeEvent', () => {
  it('reads what kafkajs delivers', () => {
    expect(decodeEvent(onTheWire(encoded()))).toEqual({
      ok: true,
      event: {
        id: ID,
        source: 'urn:accord:southampton.adult-social-care',
        participant: 'southampton.adult-social-care',
        type: TYPE,
        time: '2026-11-28T10:00:00Z',
        data: data(),
        key: 'scc-asc-100234',
      },
    });
  });

  it('accepts single-element header arrays and a charset', () => {
    const record = encoded();
    const headers: IHeaders = { ...record.headers, ce_id: [Buffer.from(ID)], 'content-type': 'application/json; charset=utf-8' };
    expect(decodeEvent({ ...record, headers })).toMatchObject({ ok: true });
  });

  it('lists every problem of a bad envelope', () => {
    const record = encoded();
    const result = decodeEvent({
      key: 'someone-else',
      value: record.value,
      headers: {
        ce_specversion: '0.3',
        ce_id: 'event-1',
        ce_source: 'https://example.org/southampton',
        ce_time: '28/11/2026 10:00',
        'content-type': 'text/plain',
      },
    });
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-envelope',
      problems: [
        { path: 'ce_specversion', problem: 'must be 1.0' },
        { path: 'ce_id', problem: 'must be a UUID' },
        { path: 'ce_source', problem: 'must be urn:accord:<participant>, the participant being <org>.<system>' },
        { path: 'ce_type', problem: 'is missing' },
        { path: 'ce_time', problem: 'must be an RFC 3339 date-time' },
        { path: 'content-type', problem: 'must be application/json' },
        { path: 'key', problem: 'must equal subject.localId of the data' },
      ],
    });
  });

  it.each([
    ['no headers at all', { headers: undefined }, ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'content-type']],
    ['no key', { key: null }, ['key']],
    ['an empty key', { key: '' }, ['key']],
    ['no value', { value: null }, ['value']],
    ['a value that is not JSON', { value: '{"subject": {"nhsNumber": "9434765919"' }, ['value']],
    ['a JSON array', { value: '[1,2]' }, ['value']],
    ['a repeated header', { headers: { ...encoded().headers, ce_type: [TYPE, TYPE] } }, ['ce_type']],
    ['an empty header', { headers: { ...encoded().headers, ce_type: '' } }, ['ce_type']],
    ['a source with an invalid participant', { headers: { ...encoded().headers, ce_source: 'urn:accord:Southampton' } }, ['ce_source']],
  ])('rejects %s', (_case, change, paths) => {
    expect(problemPaths({ ...encoded(), ...change } as IncomingRecord)).toEqual(paths);
  });

  it('leaves a missing subject.localId to payload validation', () => {
    expect(decodeEvent({ ...encoded(), value: JSON.stringify({ serviceType: 'community' }) })).toMatchObject({ ok: true });
  });

  it('never quotes the value in a problem', () => {
    const result = decodeEvent({ ...encoded(), value: '{"subject": {"nhsNumber": "9434765919"' });
    expect(JSON.stringify(result)).not.toContain('9434765919');
  });

  it('round-trips any event: decode(encode(event)) gives the event back', () => {
    const participant = fc
      .tuple(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.stringMatching(/^[a-z0-9-]{1,20}$/))
      .map(([org, system]) => `${org}.${system}`);
    const event = fc.record({
      id: fc.uuid(),
      source: participant,
      type: fc.constantFrom(...EVENT_TYPES.keys()),
      time: fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }).map((date) => date.toISOString()),
      localId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 128 }),
      fields: fc.dictionary(fc.string().filter((key) => key !== 'subject'), jsonValue),
    });
    fc.assert(
      fc.property(event, ({ id, source, type, time, localId, fields }) => {
        const eventData = { ...fields, subject: { localId } };
        const decoded = decodeEvent(onTheWire(encodeEvent({ id, source, type, time, data: eventData })));
        expect(decoded).toEqual({
          ok: true,
          event: { id, source: `urn:accord:${source}`, participant: source, type, time, data: eventData, key: localId },
        });
      }),
    );
  });
});

describe('inbox records', () => {
  const original = () => {
    const decoded = decodeEvent(onTheWire(encoded()));
    if (!decoded.ok) throw new Error('example must decode');
    return decoded.event;
  };
  const delivery = { agreementId: 'scc-asc-care-home-to-rb', agreementVersion: 3, purpose: 'council-tax-and-hb-review', decisionId: 'decision-1' };

  it('keep the original attributes, add the agreement, and carry only the projected data', () => {
    const projected = { subject: { localId: 'scc-asc-100234', uprn: '100060712345' }, serviceType: 'long-term-residential', startDate: '2026-11-28' };
    const record = encodeInboxRecord(original(), delivery, projected);
    expect(record).toEqual({
      key: 'scc-asc-100234',
      headers: {
        ce_specversion: '1.0',
        ce_id: ID,
        ce_source: 'urn:accord:southampton.adult-social-care',
        ce_type: TYPE,
        ce_time: '2026-11-28T10:00:00Z',
        'content-type': 'application/json',
        ce_accordagreement: 'scc-asc-care-home-to-rb@3',
        ce_accordpurpose: 'council-tax-and-hb-review',
        ce_accorddecision: 'decision-1',
      },
      value: JSON.stringify(projected),
    });
    expect(decodeInboxRecord(onTheWire(record))).toEqual({
      ok: true,
      value: {
        event: { ...original(), data: projected },
        agreement: 'scc-asc-care-home-to-rb@3',
        agreementId: 'scc-asc-care-home-to-rb',
        agreementVersion: 3,
        purpose: 'council-tax-and-hb-review',
        decisionId: 'decision-1',
      },
    });
  });

  it('are keyed by the projected localId (e.g. a pseudonym), else the original key, never an NHS number', () => {
    expect(encodeInboxRecord(original(), delivery, { subject: { localId: 'pseudonym-7f3a' } }).key).toBe('pseudonym-7f3a');
    const withoutLocalId = encodeInboxRecord(original(), delivery, { subject: { nhsNumber: '9434765919' }, serviceType: 'community' });
    expect(withoutLocalId.key).toBe('scc-asc-100234');
    expect(decodeInboxRecord(withoutLocalId)).toMatchObject({ ok: true });
    expect(encodeInboxRecord(original(), { ...delivery, key: 'chosen' }, { serviceType: 'community' }).key).toBe('chosen');
  });

  it('are rejected without their accord headers, every problem listed', () => {
    const result = decodeInboxRecord(onTheWire(encoded()));
    expect(result).toEqual({
      ok: false,
      reason: 'invalid-envelope',
      problems: [
        { path: 'ce_accordagreement', problem: 'is missing' },
        { path: 'ce_accordpurpose', problem: 'is missing' },
        { path: 'ce_accorddecision', problem: 'is missing' },
      ],
    });
    const badAgreement = { ...encodeInboxRecord(original(), delivery, data()) };
    badAgreement.headers = { ...badAgreement.headers, ce_accordagreement: 'scc-asc-care-home-to-rb' };
    expect(decodeInboxRecord(badAgreement)).toEqual({
      ok: false,
      reason: 'invalid-envelope',
      problems: [{ path: 'ce_accordagreement', problem: 'must be <agreement id>@<version>' }],
    });
  });

  it('round-trip for any delivery', () => {
    const delivered = fc.record({
      agreementId: fc.stringMatching(/^[a-z0-9-]{1,40}$/),
      agreementVersion: fc.integer({ min: 1, max: 1_000_000 }),
      purpose: fc.string({ unit: 'grapheme', minLength: 1 }),
      decisionId: fc.uuid(),
      projected: fc.dictionary(fc.string().filter((key) => key !== 'subject'), jsonValue),
    });
    fc.assert(
      fc.property(delivered, ({ projected, ...deliveryOf }) => {
        const decoded = decodeInboxRecord(onTheWire(encodeInboxRecord(original(), deliveryOf, projected)));
        expect(decoded).toEqual({
          ok: true,
          value: {
            event: { ...original(), data: projected },
            agreement: `${deliveryOf.agreementId}@${deliveryOf.agreementVersion}`,
            agreementId: deliveryOf.agreementId,
            agreementVersion: deliveryOf.agreementVersion,
            purpose: deliveryOf.purpose,
            decisionId: deliveryOf.decisionId,
          },
        });
      }),
    );
  });
});

describe('headerText', () => {
  it('reads the first value of a header as UTF-8 text, from a string or kafkajs buffers', () => {
    expect(headerText({ ce_id: Buffer.from('é-1') }, 'ce_id')).toBe('é-1');
    expect(headerText({ ce_id: [Buffer.from('first'), Buffer.from('second')] }, 'ce_id')).toBe('first');
    expect(headerText({ ce_id: 'text' }, 'ce_id')).toBe('text');
    expect(headerText({ ce_id: '' }, 'ce_id')).toBe('');
    expect(headerText({}, 'ce_id')).toBeUndefined();
    expect(headerText(undefined, 'ce_id')).toBeUndefined();
  });

  it('decodes nothing over the bound or that is not valid UTF-8', () => {
    expect(headerText({ ce_id: 'x'.repeat(1024) }, 'ce_id')).toHaveLength(1024);
    expect(headerText({ ce_id: 'x'.repeat(1025) }, 'ce_id')).toBeUndefined();
    expect(headerText({ ce_id: 'x'.repeat(1025) }, 'ce_id', 2048)).toHaveLength(1025);
    expect(headerText({ ce_id: Buffer.from([0x61, 0xff, 0x62]) }, 'ce_id')).toBeUndefined();
  });
});
