import { catalog, NHS_NUMBER, NOW, statement } from '../test/fixtures';
import { agreementHonours, consentState, InvalidConsentStatement, isDecidingStatement, recordedScope, type ConsentQuery } from './consent';

const query: ConsentQuery = {
  subject: { nhsNumber: NHS_NUMBER },
  purpose: 'substance-misuse-treatment',
  recipient: 'ohid.ndtms',
  agreementId: 'hcc-ph-ndtms',
  now: NOW,
};

describe('consent precedence (docs/contract.md, "Consent")', () => {
  it('lets a specific grant beat a general objection, whatever their order in time', () => {
    const generalObjection = statement('object', {}, '2026-10-01T00:00:00Z');
    const specificGrant = statement('grant', { purpose: 'substance-misuse-treatment' }, '2026-07-01T00:00:00Z');
    expect(consentState([generalObjection, specificGrant], query).winner).toBe(specificGrant);
  });

  it('lets a later statement of equal scope replace an earlier one', () => {
    const grant = statement('grant', { recipient: 'ohid.ndtms' }, '2026-07-01T00:00:00Z');
    const withdrawal = statement('withdraw', { recipient: 'ohid.ndtms' }, '2026-09-01T00:00:00Z');
    expect(consentState([withdrawal, grant], query).winner).toBe(withdrawal);
    const regrant = statement('grant', { recipient: 'ohid.ndtms' }, '2026-10-01T00:00:00Z');
    expect(consentState([withdrawal, regrant, grant], query).winner).toBe(regrant);
  });

  it('does not count statements effective after the moment of evaluation', () => {
    const grant = statement('grant', {}, '2026-07-01T00:00:00Z');
    const futureWithdrawal = statement('withdraw', {}, '2026-12-01T12:00:00.001Z');
    expect(consentState([grant, futureWithdrawal], query).winner).toBe(grant);
    const exactlyNow = statement('withdraw', {}, NOW.toISOString());
    expect(consentState([grant, exactlyNow], query).winner).toBe(exactlyNow);
  });

  it('breaks an effectiveFrom tie by the later recording, then by recordedSeq', () => {
    const at = '2026-07-01T00:00:00Z';
    const earlierRecorded = statement('withdraw', {}, at, { recordedAt: '2026-07-01T00:00:00Z' });
    const laterRecorded = statement('grant', {}, at, { recordedAt: '2026-07-02T00:00:00Z' });
    expect(consentState([laterRecorded, earlierRecorded], query).winner).toBe(laterRecorded);
    const first = statement('grant', {}, at, { recordedSeq: 10 });
    const second = statement('object', {}, at, { recordedSeq: 11 });
    expect(consentState([second, first], query).winner).toBe(second);
  });

  it('ignores statements whose scope names another purpose, recipient or agreement', () => {
    const statements = [
      statement('object', { purpose: 'another-purpose' }),
      statement('object', { recipient: 'hiow-icb.analytics' }),
      statement('object', { agreementId: 'another-agreement' }),
      statement('object', { purpose: 'substance-misuse-treatment', recipient: 'someone.else' }),
    ];
    expect(consentState(statements, query).winner).toBeUndefined();
  });

  it('treats a null scope key as unset', () => {
    const grant = statement('grant', { purpose: 'substance-misuse-treatment', recipient: null, agreementId: null });
    expect(consentState([grant], query).winner).toBe(grant);
  });

  it('matches a person by any identifier the statement names, after normalising', () => {
    const byNi = statement('object', {}, '2026-07-01T00:00:00Z', { subject: { niNumber: 'qq 12 34 56 c' } });
    const bySpacedNhs = statement('grant', {}, '2026-06-01T00:00:00Z', { subject: { nhsNumber: '943 476 5919' } });
    const subject = { nhsNumber: '9434765919', niNumber: 'QQ123456C' };
    expect(consentState([byNi], { ...query, subject }).winner).toBe(byNi);
    expect(consentState([bySpacedNhs], { ...query, subject }).winner).toBe(bySpacedNhs);
    const someoneElse = statement('object', {}, '2026-07-01T00:00:00Z', { subject: { nhsNumber: '4010232137' } });
    expect(consentState([someoneElse], query).winner).toBeUndefined();
  });

  it('matches no statement for an event subject without identifiers', () => {
    expect(consentState([statement('object')], { ...query, subject: {} }).winner).toBeUndefined();
  });

  it('decides the national opt-out by the later statement, ignoring any scope', () => {
    const optOut = statement('national-opt-out', {}, '2026-07-01T00:00:00Z');
    const removed = statement('national-opt-out-removed', { purpose: 'elsewhere' }, '2026-08-01T00:00:00Z');
    expect(consentState([optOut], query).nationallyOptedOut).toBe(true);
    expect(consentState([removed, optOut], query)).toMatchObject({ nationallyOptedOut: false, optOutWinner: removed });
    const futureOptOut = statement('national-opt-out', {}, '2027-01-01T00:00:00Z');
    expect(consentState([removed, optOut, futureOptOut], query).nationallyOptedOut).toBe(false);
  });

  it('keeps opt-out statements out of the consent winner and the other way round', () => {
    const optOut = statement('national-opt-out', {}, '2026-09-01T00:00:00Z');
    const grant = statement('grant', {}, '2026-07-01T00:00:00Z');
    expect(consentState([optOut, grant], query)).toMatchObject({ winner: grant, optOutWinner: optOut });
  });

  it('refuses to guess about a statement with an unreadable time (the broker pauses instead)', () => {
    expect(() => consentState([statement('withdraw', {}, 'last tuesday')], query)).toThrow(InvalidConsentStatement);
  });
});

describe('what an agreement makes of a statement', () => {
  const scope = { purpose: 'substance-misuse-treatment', recipient: 'ohid.ndtms', agreementId: 'hcc-ph-ndtms' };

  it('records the opt-out kinds without a scope, whatever was asked', () => {
    expect(recordedScope('national-opt-out', scope)).toEqual({ purpose: null, recipient: null, agreementId: null });
    expect(recordedScope('object', scope)).toEqual(scope);
    expect(recordedScope('withdraw', undefined)).toEqual({ purpose: null, recipient: null, agreementId: null });
  });

  it('honours a withdrawal under any basis but none, and an opt-out only where it applies and the type is not exempt', () => {
    const exemptType = catalog.get('ph.notifiable-disease.notified.v1');
    expect(exemptType?.nationalOptOutNeverApplies).toBe(true);
    expect(agreementHonours('withdraw', { basis: 'none' }, undefined)).toBe(false);
    expect(agreementHonours('withdraw', { basis: 'objection' }, undefined)).toBe(true);
    expect(agreementHonours('national-opt-out', { nationalDataOptOut: 'exempt' }, undefined)).toBe(false);
    expect(agreementHonours('national-opt-out', { nationalDataOptOut: 'applies' }, exemptType)).toBe(false);
    // Settings that cannot be read honour the statement: the recipient is told to stop.
    expect(agreementHonours('object', null, undefined)).toBe(true);
    expect(agreementHonours('national-opt-out', null, undefined)).toBe(true);
  });

  it('names the deciding statement among the opt-outs for an opt-out kind, within the scope otherwise', () => {
    const objection = statement('object', {});
    const optOut = statement('national-opt-out', {});
    const state = consentState([objection, optOut], query);
    expect(isDecidingStatement(objection, state)).toBe(true);
    expect(isDecidingStatement(optOut, state)).toBe(true);
    expect(isDecidingStatement(statement('object', {}), state)).toBe(false);
  });
});
