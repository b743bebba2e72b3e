import { decisionId, rejectionDecisionId, uuidV5 } from './decision-id';

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

  it('gives a rejection an id from its event id, or from the raw record when it has none', () => {
    expect(rejectionDecisionId({ eventId: 'e-1' })).toBe(rejectionDecisionId({ eventId: 'e-1' }));
    expect(rejectionDecisionId({ eventId: 'e-1' })).not.toBe(decisionId(input));
    expect(rejectionDecisionId({ rawRecord: 'garbage' })).toBe(rejectionDecisionId({ rawRecord: Buffer.from('garbage') }));
    expect(rejectionDecisionId({ rawRecord: 'garbage' })).not.toBe(rejectionDecisionId({ rawRecord: 'garbage!' }));
    expect(rejectionDecisionId({ rawRecord: 'x' })).toMatch(UUID_V5);
  });
});
