import {
  MASTER_KEY,
  NOW,
  careHome,
  catalog,
  concernRaised,
  drugTreatment,
  healthCheck,
  healthChecks,
  referral,
  safeguardingAlerts,
  serviceStarted,
  statement,
} from '../test/fixtures';
import type { VersionedAgreement } from './agreement';
import type { ConsentStatement } from './consent';
import { candidatesFor, evaluate, type EventToEvaluate } from './evaluate';

function decide(
  agreement: VersionedAgreement,
  event: EventToEvaluate,
  consents: ConsentStatement[] = [],
  now: Date = NOW,
  recipient = agreement.recipients[0]!,
) {
  return evaluate({ event, agreement, recipient, consents, now, catalog, pseudonymMasterKey: MASTER_KEY });
}

describe('candidates', () => {
  const draft: VersionedAgreement = { ...careHome, id: 'a-draft', status: 'draft' };
  const suspended: VersionedAgreement = { ...careHome, id: 'b-suspended', status: 'suspended' };
  const twoRecipients: VersionedAgreement = {
    ...careHome,
    id: 'c-two',
    recipients: ['southampton.revenues-benefits', 'uhs.emergency-department'],
  };

  it('takes the latest non-draft version of each covering agreement, times each recipient', () => {
    const older = { ...careHome, version: 1, recipients: ['dorset.revenues-benefits'] };
    const latest = { ...careHome, version: 2 };
    const candidates = candidatesFor(serviceStarted(), [older, latest, draft, suspended, twoRecipients, drugTreatment]);
    expect(candidates.map((candidate) => [candidate.agreement.id, candidate.agreement.version, candidate.recipient])).toEqual([
      ['b-suspended', 1, 'southampton.revenues-benefits'],
      ['c-two', 1, 'southampton.revenues-benefits'],
      ['c-two', 1, 'uhs.emergency-department'],
      ['scc-asc-care-home-to-rb', 2, 'southampton.revenues-benefits'],
    ]);
  });

  it('skips agreements of another provider or without a rule for the type', () => {
    expect(candidatesFor({ source: 'isle-of-wight.adult-social-care', type: 'asc.service.started.v1' }, [careHome])).toEqual([]);
    expect(candidatesFor({ source: careHome.provider, type: 'asc.service.ended.v1' }, [careHome])).toEqual([]);
  });

  it('takes the latest version first and only then drops it if it is a draft', () => {
    // docs/contract.md, "Consent", reads "every agreement whose latest version is not
    // `draft`": a draft latest version means no candidate, rather than falling back to
    // the older active version.
    expect(candidatesFor(serviceStarted(), [{ ...careHome, version: 1 }, { ...careHome, version: 2, status: 'draft' }])).toEqual([]);
  });
});

describe('evaluation, step by step (docs/contract.md, "Consent")', () => {
  it('shares exactly the allow-list under an active agreement whose condition holds', () => {
    const decision = decide(careHome, serviceStarted());
    expect(decision).toMatchObject({
      outcome: 'shared',
      reasons: ['permitted'],
      rule: 0,
      agreementId: 'scc-asc-care-home-to-rb',
      agreementVersion: 1,
      recipient: 'southampton.revenues-benefits',
      purpose: 'council-tax-and-hb-review',
      fieldsReleased: ['subject.localId', 'subject.name', 'subject.uprn', 'serviceType', 'startDate'],
      consentRefs: [],
    });
    expect(decision.released).toEqual({
      subject: { localId: 'ASC-1001', name: { given: 'Ada', family: 'Lovelace' }, uprn: expect.stringMatching(/^ps_/) },
      serviceType: 'long-term-residential',
      startDate: '2026-11-28',
    });
    expect(decision.fieldsWithheld).toEqual([
      'deliveryMechanism',
      'subject.dateOfBirth',
      'subject.nhsNumber',
      'subject.niNumber',
      'subject.postcode',
      'weeklyCost',
    ]);
    expect(decision.payloadDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  describe('1. agreement-not-active', () => {
    it.each([
      ['suspended', { status: 'suspended' as const }, NOW],
      ['a draft', { status: 'draft' as const }, NOW],
      ['before validFrom', {}, new Date('2026-03-31T23:59:59.999Z')],
      ['after validUntil', {}, new Date('2028-04-01T00:00:00Z')],
    ])('withholds under an agreement that is %s', (_name, change, now) => {
      const decision = decide({ ...careHome, ...change }, serviceStarted(), [], now);
      expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['agreement-not-active'], fieldsReleased: [], consentRefs: [] });
      expect(decision.rule).toBeUndefined();
      expect(decision.released).toBeUndefined();
      expect(decision.fieldsWithheld).toContain('subject.nhsNumber');
    });

    it('counts validFrom and validUntil as whole days in UTC, both included', () => {
      expect(decide(careHome, serviceStarted(), [], new Date('2026-04-01T00:00:00Z')).outcome).toBe('shared');
      expect(decide(careHome, serviceStarted(), [], new Date('2028-03-31T23:59:59.999Z')).outcome).toBe('shared');
    });
  });

  describe('2. condition-not-met', () => {
    it('withholds when no rule condition holds', () => {
      const decision = decide(careHome, serviceStarted({ serviceType: 'community' }));
      expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['condition-not-met'] });
    });

    it('counts an evaluation error or a non-boolean result as false', () => {
      const erroring = { ...careHome, rules: [{ ...careHome.rules[0]!, when: 'data.missing == "x"' }] };
      expect(decide(erroring, serviceStarted()).reasons).toEqual(['condition-not-met']);
      const nonBoolean = { ...careHome, rules: [{ ...careHome.rules[0]!, when: 'data.serviceType' }] };
      expect(decide(nonBoolean, serviceStarted()).reasons).toEqual(['condition-not-met']);
    });

    it('uses the first rule for the type whose condition holds, and one without a condition always holds', () => {
      const agreement: VersionedAgreement = {
        ...careHome,
        rules: [
          { eventType: 'asc.service.started.v1', when: "data.serviceType == 'community'", fields: ['serviceType'] },
          { eventType: 'asc.service.ended.v1', fields: ['endDate'] },
          { eventType: 'asc.service.started.v1', when: "event.source == 'southampton.adult-social-care' && event.type.endsWith('.v1')", fields: ['startDate'] },
          { eventType: 'asc.service.started.v1', fields: ['weeklyCost'] },
        ],
      };
      expect(decide(agreement, serviceStarted())).toMatchObject({ rule: 2, released: { startDate: '2026-11-28' } });
      expect(decide(agreement, serviceStarted({ serviceType: 'community' }))).toMatchObject({ rule: 0 });
    });

    it('evaluates conditions on data with a field named constructor, and on objects from another realm', () => {
      const agreement = { ...careHome, rules: [{ ...careHome.rules[0]!, when: "data.serviceType == 'long-term-residential'" }] };
      expect(decide(agreement, serviceStarted({ constructor: 'x' })).outcome).toBe('shared');
      // structuredClone builds its result in Node's realm, not jest's sandbox.
      const foreign = serviceStarted();
      expect(decide(agreement, { ...foreign, data: structuredClone(foreign.data) }).outcome).toBe('shared');
    });

    it('sees numbers in the data as CEL numbers', () => {
      const agreement = { ...careHome, rules: [{ ...careHome.rules[0]!, when: 'data.weeklyCost >= 900 && data.weeklyCost < 1000.5' }] };
      expect(decide(agreement, serviceStarted()).outcome).toBe('shared');
    });
  });

  describe('3. no-consent (basis explicit)', () => {
    it('withholds without any statement', () => {
      expect(decide(drugTreatment, referral())).toMatchObject({ outcome: 'withheld', reasons: ['no-consent'], consentRefs: [], rule: 0 });
    });

    it('shares with a winning grant, and names it', () => {
      const grant = statement('grant', { purpose: 'substance-misuse-treatment' });
      expect(decide(drugTreatment, referral(), [grant])).toMatchObject({ outcome: 'shared', reasons: ['permitted'], consentRefs: [grant.id] });
    });

    it('treats a winning withdraw or object as no consent', () => {
      const grant = statement('grant', {}, '2026-06-01T00:00:00Z');
      for (const kind of ['withdraw', 'object'] as const) {
        const later = statement(kind, {}, '2026-07-01T00:00:00Z');
        expect(decide(drugTreatment, referral(), [grant, later])).toMatchObject({ reasons: ['no-consent'], consentRefs: [later.id] });
      }
    });

    it('does not count a grant for another purpose or a future grant', () => {
      const elsewhere = statement('grant', { purpose: 'something-else' });
      const future = statement('grant', {}, '2027-01-01T00:00:00Z');
      expect(decide(drugTreatment, referral(), [elsewhere, future]).reasons).toEqual(['no-consent']);
    });

    it('is not lifted by the safeguarding override', () => {
      const agreement: VersionedAgreement = { ...safeguardingAlerts, consent: { ...safeguardingAlerts.consent, basis: 'explicit' } };
      expect(decide(agreement, concernRaised()).reasons).toEqual(['no-consent']);
    });
  });

  describe('4. objection (basis objection)', () => {
    it('withholds when the winner is an objection or a withdrawal', () => {
      for (const kind of ['object', 'withdraw'] as const) {
        const objection = statement(kind);
        expect(decide(careHome, serviceStarted(), [objection])).toMatchObject({
          outcome: 'withheld',
          reasons: ['objection'],
          consentRefs: [objection.id],
          rule: 0,
        });
      }
    });

    it('shares when a more specific grant beats a general objection ("no objection")', () => {
      const objection = statement('object', {}, '2026-09-01T00:00:00Z');
      const grant = statement('grant', { recipient: 'southampton.revenues-benefits' }, '2026-06-01T00:00:00Z');
      expect(decide(careHome, serviceStarted(), [objection, grant])).toMatchObject({ outcome: 'shared', consentRefs: [grant.id] });
    });

    it('ignores an objection scoped to another agreement', () => {
      expect(decide(careHome, serviceStarted(), [statement('object', { agreementId: 'other' })]).outcome).toBe('shared');
    });
  });

  describe('5. national-opt-out', () => {
    it('withholds when the agreement says the opt-out applies and the person opted out', () => {
      const optOut = statement('national-opt-out');
      expect(decide(healthChecks, healthCheck(), [optOut])).toMatchObject({
        outcome: 'withheld',
        reasons: ['national-opt-out'],
        consentRefs: [optOut.id],
      });
    });

    it('shares after the opt-out was removed', () => {
      const optOut = statement('national-opt-out', {}, '2026-06-01T00:00:00Z');
      const removed = statement('national-opt-out-removed', {}, '2026-07-01T00:00:00Z');
      expect(decide(healthChecks, healthCheck(), [optOut, removed])).toMatchObject({ outcome: 'shared', consentRefs: [removed.id] });
    });

    it('does not apply when the agreement is exempt', () => {
      expect(decide(careHome, serviceStarted(), [statement('national-opt-out')]).outcome).toBe('shared');
    });

    it('never applies to event types the catalogue exempts (notifiable disease)', () => {
      const notification: EventToEvaluate = {
        id: 'n-1',
        type: 'ph.notifiable-disease.notified.v1',
        source: 'hampshire.public-health',
        time: '2026-11-28T10:00:00Z',
        data: { subject: { localId: 'PH-1', nhsNumber: '9434765919' }, disease: 'measles', notifiedAt: '2026-11-28T09:00:00Z', notifier: 'GP' },
      };
      expect(decide(healthChecks, notification, [statement('national-opt-out')])).toMatchObject({ outcome: 'shared', consentRefs: [] });
    });

    it('ignores consent statements under basis none', () => {
      expect(decide(healthChecks, healthCheck(), [statement('object')])).toMatchObject({ outcome: 'shared', consentRefs: [] });
    });
  });

  describe('safeguarding override', () => {
    it('shares a safeguarding event despite an objection, and says so', () => {
      const objection = statement('object');
      expect(decide(safeguardingAlerts, concernRaised(), [objection])).toMatchObject({
        outcome: 'shared',
        reasons: ['safeguarding-override', 'objection'],
        consentRefs: [objection.id],
        released: { subject: { postcode: 'SO16' } },
      });
    });

    it('names both denies it set aside', () => {
      const decision = decide(safeguardingAlerts, concernRaised(), [statement('object'), statement('national-opt-out')]);
      expect(decision.reasons).toEqual(['safeguarding-override', 'objection', 'national-opt-out']);
      expect(decision.consentRefs).toHaveLength(2);
    });

    it('shares with plain permitted when nothing had to be overridden', () => {
      expect(decide(safeguardingAlerts, concernRaised()).reasons).toEqual(['permitted']);
    });

    it('does not apply to an event type that is not a safeguarding event', () => {
      expect(decide(safeguardingAlerts, serviceStarted(), [statement('object')]).reasons).toEqual(['objection']);
    });

    it('does not apply when the agreement does not enable it', () => {
      const agreement: VersionedAgreement = { ...safeguardingAlerts, consent: { ...safeguardingAlerts.consent, safeguardingOverride: false } };
      expect(decide(agreement, concernRaised(), [statement('object')]).reasons).toEqual(['objection']);
    });

    it('never lifts steps 1 and 2, nor widens the allow-list', () => {
      const suspended: VersionedAgreement = { ...safeguardingAlerts, status: 'suspended' };
      expect(decide(suspended, concernRaised(), [statement('object')]).reasons).toEqual(['agreement-not-active']);
      const conditional: VersionedAgreement = {
        ...safeguardingAlerts,
        rules: [{ ...safeguardingAlerts.rules[0]!, when: 'data.s42EnquiryStarted' }],
      };
      expect(decide(conditional, concernRaised(), [statement('object')]).reasons).toEqual(['condition-not-met']);
      const shared = decide(safeguardingAlerts, concernRaised(), [statement('object')]);
      expect(Object.keys(shared.released!).sort()).toEqual(['raisedAt', 'subject', 'typesOfRisk']);
      expect(shared.fieldsWithheld).toEqual(expect.arrayContaining(['concernId', 'locationType', 'sourceOfRisk']));
    });
  });

  it('applies the transforms of the health checks agreement', () => {
    const decision = decide(healthChecks, healthCheck());
    expect(decision.released).toEqual({
      subject: { nhsNumber: expect.stringMatching(/^ps_/), dateOfBirth: '1961', postcode: 'SO16' },
      bmi: 27.4,
      smokingStatus: 'ex',
      completedAt: '2026-11-28T09:45:00+00:00',
    });
  });

  it('gives the same decision id for the same candidate, and another for a new agreement version', () => {
    const first = decide(careHome, serviceStarted());
    expect(decide(careHome, serviceStarted()).decisionId).toBe(first.decisionId);
    expect(decide({ ...careHome, version: 2 }, serviceStarted()).decisionId).not.toBe(first.decisionId);
  });

  it('fails closed for an event type the catalogue does not know: opt-out applies, no override', () => {
    const unknown: EventToEvaluate = { ...concernRaised(), type: 'asc.unknown.v1' };
    const agreement: VersionedAgreement = {
      ...safeguardingAlerts,
      rules: [{ eventType: 'asc.unknown.v1', fields: ['subject.localId'] }],
    };
    expect(decide(agreement, unknown, [statement('national-opt-out')]).reasons).toEqual(['national-opt-out']);
  });
});
