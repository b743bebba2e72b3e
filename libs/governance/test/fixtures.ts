// Shared by the governance specs: the real event catalogue, the reference participants and
// agreements (docs/domain.md, "The reference agreements"), and small builders for events
// and consent statements.
import type { Agreement, VersionedAgreement } from '../src/agreement';
import type { ConsentStatement } from '../src/consent';
import type { EventToEvaluate } from '../src/evaluate';
import { EVENT_CATALOG } from '../src/event-catalog';

export const catalog = EVENT_CATALOG;

export const PARTICIPANTS = new Set([
  'southampton.adult-social-care',
  'southampton.revenues-benefits',
  'hampshire.public-health',
  'isle-of-wight.adult-social-care',
  'dorset.revenues-benefits',
  'uhs.discharge-hub',
  'uhs.emergency-department',
  'swast.clinical-hub',
  'hiow-icb.analytics',
  'ukhsa.health-protection',
  'ohid.ndtms',
]);

export const validationContext = { catalog, participants: (id: string) => PARTICIPANTS.has(id) };

export const MASTER_KEY = 'test-master-key-not-a-secret';

/** A compact form of the reference agreement `scc-asc-care-home-to-rb` (docs/governance.md, "An annotated reference agreement") that also pseudonymises `subject.uprn`. */
export const CARE_HOME_YAML = `
id: scc-asc-care-home-to-rb            # [a-z0-9-], stable
title: Permanent care home placements to revenues and benefits
status: active                          # draft | active | suspended
provider: southampton.adult-social-care # whose events it covers
recipients: [southampton.revenues-benefits]
purpose:
  code: council-tax-and-hb-review
  description: Review council tax exemption and housing benefit on entering care
lawfulBasis:
  article6: public-task
  article9: null
  legislation: ["Local Government Finance Act 1992"]
validFrom: 2026-04-01
validUntil: 2028-03-31
reviewBy: 2027-03-31
consent:
  basis: objection
  nationalDataOptOut: exempt
  safeguardingOverride: false
retention: { days: 365 }
rules:
  - eventType: asc.service.started.v1
    when: "data.serviceType in ['long-term-residential', 'long-term-nursing']"
    fields: [subject.localId, subject.name, subject.uprn, serviceType, startDate]
    transforms: { subject.uprn: pseudonymise }
`;

const base: Omit<Agreement, 'id' | 'provider' | 'recipients' | 'purpose' | 'lawfulBasis' | 'consent' | 'rules'> = {
  title: 'A test agreement',
  status: 'active',
  validFrom: '2026-04-01',
  validUntil: '2028-03-31',
  reviewBy: '2027-03-31',
  retention: { days: 365 },
};

export const careHome: VersionedAgreement = {
  ...base,
  version: 1,
  id: 'scc-asc-care-home-to-rb',
  provider: 'southampton.adult-social-care',
  recipients: ['southampton.revenues-benefits'],
  purpose: { code: 'council-tax-and-hb-review', description: 'Council tax and housing benefit review' },
  lawfulBasis: { article6: 'public-task', article9: null, legislation: ['Local Government Finance Act 1992'] },
  consent: { basis: 'objection', nationalDataOptOut: 'exempt', safeguardingOverride: false },
  rules: [
    {
      eventType: 'asc.service.started.v1',
      when: "data.serviceType in ['long-term-residential', 'long-term-nursing']",
      fields: ['subject.localId', 'subject.name', 'subject.uprn', 'serviceType', 'startDate'],
      transforms: { 'subject.uprn': 'pseudonymise' },
    },
  ],
};

export const safeguardingAlerts: VersionedAgreement = {
  ...base,
  version: 3,
  id: 'scc-asc-safeguarding-to-swast',
  provider: 'southampton.adult-social-care',
  recipients: ['swast.clinical-hub'],
  purpose: { code: 'safeguarding-alerts-to-crews', description: 'Alert crews attending an adult at risk' },
  lawfulBasis: { article6: 'public-task', article9: 'substantial-public-interest', legislation: ['Care Act 2014'] },
  consent: { basis: 'objection', nationalDataOptOut: 'applies', safeguardingOverride: true },
  rules: [
    {
      eventType: 'asc.safeguarding.concern-raised.v1',
      fields: ['subject.localId', 'subject.nhsNumber', 'subject.postcode', 'typesOfRisk', 'raisedAt'],
      transforms: { 'subject.postcode': 'postcode-district' },
    },
    // Not a safeguarding type: the override must never apply to it.
    { eventType: 'asc.service.started.v1', fields: ['subject.localId', 'serviceType'] },
  ],
};

export const drugTreatment: VersionedAgreement = {
  ...base,
  version: 1,
  id: 'hcc-ph-ndtms',
  provider: 'hampshire.public-health',
  recipients: ['ohid.ndtms'],
  purpose: { code: 'substance-misuse-treatment', description: 'National drug treatment monitoring' },
  lawfulBasis: { article6: 'consent', article9: 'explicit-consent', legislation: [] },
  consent: { basis: 'explicit', nationalDataOptOut: 'exempt', safeguardingOverride: false },
  rules: [
    {
      eventType: 'ph.substance-misuse.referral.v1',
      fields: ['subject.localId', 'subject.nhsNumber', 'problemSubstances', 'injectingStatus', 'referredAt'],
    },
  ],
};

export const healthChecks: VersionedAgreement = {
  ...base,
  version: 2,
  id: 'hcc-ph-health-checks-to-icb',
  provider: 'hampshire.public-health',
  recipients: ['hiow-icb.analytics'],
  purpose: { code: 'population-health-planning', description: 'Planning' },
  lawfulBasis: { article6: 'public-task', article9: 'health-social-care', legislation: [] },
  consent: { basis: 'none', nationalDataOptOut: 'applies', safeguardingOverride: false },
  rules: [
    {
      eventType: 'ph.health-check.completed.v1',
      fields: ['subject.nhsNumber', 'subject.dateOfBirth', 'subject.postcode', 'bmi', 'smokingStatus', 'completedAt'],
      transforms: {
        'subject.nhsNumber': 'pseudonymise',
        'subject.dateOfBirth': 'year-only',
        'subject.postcode': 'postcode-district',
      },
    },
    {
      eventType: 'ph.notifiable-disease.notified.v1',
      fields: ['subject.localId', 'disease'],
    },
  ],
};

export const NHS_NUMBER = '9434765919';
export const OTHER_NHS_NUMBER = '4010232137';

export function serviceStarted(overrides: Partial<Record<string, unknown>> = {}): EventToEvaluate {
  return {
    id: '0b6f3c1e-2f43-4c1b-9a55-5d2f7a3e9c10',
    type: 'asc.service.started.v1',
    source: 'southampton.adult-social-care',
    time: '2026-11-28T10:00:00Z',
    data: {
      subject: {
        localId: 'ASC-1001',
        nhsNumber: NHS_NUMBER,
        niNumber: 'QQ123456C',
        name: { given: 'Ada', family: 'Lovelace' },
        dateOfBirth: '1941-03-02',
        postcode: 'SO16 7XX',
        uprn: '100060731234',
      },
      serviceType: 'long-term-residential',
      deliveryMechanism: 'council-managed',
      weeklyCost: 950,
      startDate: '2026-11-28',
      ...overrides,
    },
  };
}

export function concernRaised(): EventToEvaluate {
  return {
    id: '7d1e0a52-0c5a-4f7e-8d9a-1f1b2c3d4e5f',
    type: 'asc.safeguarding.concern-raised.v1',
    source: 'southampton.adult-social-care',
    time: '2026-11-28T10:00:00Z',
    data: {
      subject: { localId: 'ASC-1001', nhsNumber: NHS_NUMBER, postcode: 'so16 7xx' },
      concernId: 'C-1',
      typesOfRisk: ['neglect', 'financial'],
      locationType: 'own-home',
      sourceOfRisk: 'other-known',
      s42EnquiryStarted: false,
      raisedAt: '2026-11-28T09:00:00Z',
    },
  };
}

export function referral(): EventToEvaluate {
  return {
    id: '3a9b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    type: 'ph.substance-misuse.referral.v1',
    source: 'hampshire.public-health',
    time: '2026-11-28T10:00:00Z',
    data: {
      subject: { localId: 'PH-77', nhsNumber: NHS_NUMBER },
      referralSource: 'gp',
      problemSubstances: ['opiates'],
      injectingStatus: 'never',
      referredAt: '2026-11-28T09:30:00Z',
      consentToNdtms: true,
    },
  };
}

export function healthCheck(): EventToEvaluate {
  return {
    id: 'c4d5e6f7-0000-4111-8222-333344445555',
    type: 'ph.health-check.completed.v1',
    source: 'hampshire.public-health',
    time: '2026-11-28T10:00:00Z',
    data: {
      subject: { localId: 'PH-78', nhsNumber: NHS_NUMBER, dateOfBirth: '1961-07-14', postcode: 'SO16 7XX' },
      systolic: 128,
      diastolic: 82,
      bmi: 27.4,
      smokingStatus: 'ex',
      completedAt: '2026-11-28T09:45:00+00:00',
    },
  };
}

let sequence = 0;

/** A statement about NHS_NUMBER unless told otherwise, effective and recorded at `effectiveFrom`. */
export function statement(
  kind: ConsentStatement['kind'],
  scope: ConsentStatement['scope'] = {},
  effectiveFrom = '2026-06-01T00:00:00Z',
  extra: Partial<ConsentStatement> = {},
): ConsentStatement {
  sequence += 1;
  return {
    id: `consent-${sequence}`,
    subject: { nhsNumber: NHS_NUMBER },
    kind,
    scope,
    effectiveFrom,
    recordedAt: effectiveFrom,
    recordedSeq: sequence,
    ...extra,
  };
}

export const NOW = new Date('2026-12-01T12:00:00Z');
