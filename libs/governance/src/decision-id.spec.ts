import { hash } from 'node:crypto';
import fc from 'fast-check';
import { decisionId, rejectionDecisionId, uuidV5 } from './decision-id';

/** RFC 9562 §5.5 read naively: SHA-1 of namespace and name, version and variant bits set on the bytes. */
function naiveUuidV5(name: string, namespace: Uint8Array): string {
  const digest = hash('sha1', Buffer.concat([namespace, Buffer.from(name, 'utf8')]), 'buffer');
  digest[6] = (digest[6]! & 0x0f) | 0x50;
  digest[8] = (digest[8]! & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('decision ids', () => {
  const input = { eventId: 'e-1', recipient: 'ohid.ndtms', agreementId: 'hcc-ph-ndtms', agreementVersion: 1 };

  it('is a UUID v5 that depends on every part of the candidate', () => {
    const id = decisionId(input);
    expect(id).toMatch(UUID_V5);
    expect(decisionId({ ...input })).toBe(id);
    expect(decisionId({ ...input, eventId: 'e-2' })).not.toBe(id);
    expect(decisionId({ ...input, recipient: 'hiow-icb.analytics' })).not.toBe(id);
    expect(decisionId({ ...input, agreementId: 'other' })).not.toBe(id);
    expect(decisionId({ ...input, agreementVersion: 2 })).not.toBe(id);
  });

  it('matches the RFC 9562 test vector for the DNS namespace', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is RFC 9562 version 5 for any name and namespace, long names included', () => {
    const namespace = fc.uint8Array({ minLength: 16, maxLength: 16 });
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), namespace, (name, space) => uuidV5(name, space) === naiveUuidV5(name, space)), { numRuns: 3000 });
    const long = 'x\u00e9'.repeat(1000);
    expect(uuidV5(long)).toBe(naiveUuidV5(long, Buffer.from('1c7a4f0e5b2d4e8a9d3c6f1e2a7b8c90', 'hex')));
    expect(uuidV5('ok')).toBe(naiveUuidV5('ok', Buffer.from('1c7a4f0e5b2d4e8a9d3c6f1e2a7b8c90', 'hex')));
  });

  it('gives a rejection an id from its event id, or from the raw record when it has none', () => {
    expect(rejectionDecisionId({ eventId: 'e-1' })).toBe(rejectionDecisionId({ eventId: 'e-1' }));
    expect(rejectionDecisionId({ eventId: 'e-1' })).not.toBe(decisionId(input));
    expect(rejectionDecisionId({ rawRecord: 'garbage' })).toBe(rejectionDecisionId({ rawRecord: Buffer.from('garbage') }));
    expect(rejectionDecisionId({ rawRecord: 'garbage' })).not.toBe(rejectionDecisionId({ rawRecord: 'garbage!' }));
    expect(rejectionDecisionId({ rawRecord: 'x' })).toMatch(UUID_V5);
  });
});
