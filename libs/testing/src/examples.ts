import { randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { EVENT_TYPES, type PublisherSystem } from '@accord/contracts';

/*
 * One valid, realistic example of each event type's data, already normalised (so a
 * validated copy equals it). Used by tests across the apps and by the documentation.
 * The people are fictional; `9434765919` is the valid NHS number of docs/domain.md,
 * "NHS number".
 */

const SUBJECTS: Record<PublisherSystem, Record<string, unknown>> = {
  'adult-social-care': {
    localId: 'scc-asc-100234',
    nhsNumber: '9434765919',
    name: { given: 'Ada', family: 'Lovelace' },
    dateOfBirth: '1941-03-12',
    gender: 'female',
    postcode: 'SO16 7XX',
    uprn: '100060712345',
  },
  'public-health': {
    localId: 'hcc-ph-558120',
    nhsNumber: '9434765919',
    dateOfBirth: '1971-08-30',
    postcode: 'SO16 7XX',
  },
  'revenues-benefits': {
    localId: 'scc-rb-774501',
    niNumber: 'AB123456C',
    name: { given: 'Ada', family: 'Lovelace' },
    postcode: 'SO16 7XX',
    uprn: '100060712345',
  },
  nhs: {
    localId: 'rhm-4471029',
    nhsNumber: '9434765919',
    name: { given: 'Ada', family: 'Lovelace' },
    dateOfBirth: '1941-03-12',
  },
};

const FIELDS: Record<string, Record<string, unknown>> = {
  'asc.assessment.completed.v1': {
    assessmentType: 'long-term',
    eligibleNeedsIdentified: true,
    primarySupportReason: 'memory-and-cognition',
    hasUnpaidCarer: true,
    completedAt: '2026-11-20T14:30:00Z',
    team: 'Hospital Discharge Team',
  },
  'asc.service.started.v1': {
    serviceType: 'long-term-residential',
    deliveryMechanism: 'council-managed',
    providerCqcLocationId: '1-123456789',
    plannedUnitsPerWeek: 7,
    weeklyCost: 1150.5,
    startDate: '2026-11-28',
  },
  'asc.service.ended.v1': {
    serviceType: 'community',
    deliveryMechanism: 'direct-payment',
    plannedUnitsPerWeek: 10.5,
    weeklyCost: 262.5,
    endDate: '2027-02-14',
    endReason: 'Moved to a care home',
  },
  'asc.safeguarding.concern-raised.v1': {
    concernId: 'SG-2026-004512',
    typesOfRisk: ['financial', 'psychological'],
    locationType: 'own-home',
    sourceOfRisk: 'other-known',
    s42EnquiryStarted: true,
    raisedAt: '2026-11-27T16:05:00Z',
  },
  'asc.review.completed.v1': {
    reviewReason: 'Annual review',
    outcomesAchieved: true,
    completedAt: '2026-11-25T11:00:00Z',
  },
  'ph.immunisation.administered.v1': {
    vaccineCode: '822851000000102',
    targetDisease: 'Influenza',
    doseNumber: 1,
    administeredAt: '2026-10-14T09:20:00+01:00',
    lotNumber: 'FLU26-0117',
    site: 'left deltoid',
    route: 'intramuscular',
    performer: 'Shirley Community Pharmacy',
  },
  'ph.health-check.completed.v1': {
    systolic: 132,
    diastolic: 84,
    cholesterolRatio: 4.2,
    bmi: 27.4,
    smokingStatus: 'ex',
    qriskScore: 11.3,
    completedAt: '2026-11-18T10:45:00Z',
  },
  'ph.notifiable-disease.notified.v1': {
    disease: 'Measles',
    onsetDate: '2026-11-24',
    notifiedAt: '2026-11-27T08:15:00Z',
    notifier: 'Shirley Health Partnership (GP)',
    occupation: 'Teaching assistant',
    setting: 'Primary school',
  },
  'ph.substance-misuse.referral.v1': {
    referralSource: 'gp',
    problemSubstances: ['alcohol'],
    injectingStatus: 'never',
    referredAt: '2026-11-26T13:10:00Z',
    consentToNdtms: true,
  },
  'rb.housing-benefit.assessed.v1': {
    claimReference: 'HB-0048213',
    tenure: 'housing-association',
    eligibleRent: 142.3,
    weeklyAward: 96.15,
    effectiveFrom: '2026-12-01',
  },
  'rb.council-tax-reduction.awarded.v1': {
    accountReference: 'CT-30012345',
    weeklyReduction: 18.4,
    householdSize: 2,
    effectiveFrom: '2026-12-01',
  },
  'rb.discretionary-housing-payment.awarded.v1': {
    reason: 'spare-room-subsidy',
    weeklyAmount: 14.5,
    weeks: 26,
    awardedAt: '2026-11-27T15:00:00Z',
  },
  'rb.council-tax.discount-changed.v1': {
    accountReference: 'CT-30012345',
    discount: 'exemption-class-e',
    effectiveFrom: '2026-11-28',
  },
  'nhs.hospital-discharge.notified.v1': {
    dischargePathway: 1,
    expectedDischargeDate: '2026-12-02',
    ward: 'Ward F7',
    needsSummary: 'Needs help with washing and dressing twice a day; mobile with a frame',
  },
  'nhs.ambulance.fall-attended.v1': {
    attendedAt: '2026-11-28T09:30:00Z',
    injury: 'minor',
    conveyed: false,
    livesAlone: true,
  },
};

/** A fresh copy of a valid example of the type's data (subject included); throws for an unknown type. */
export function exampleEventData(eventType: string): Record<string, unknown> {
  const spec = EVENT_TYPES.get(eventType);
  const fields = FIELDS[eventType];
  if (!spec || !fields) throw new Error(`no example for unknown event type ${eventType}`);
  return structuredClone({ subject: SUBJECTS[spec.publisherSystem], ...fields });
}

/**
 * An inbox record as the sharing broker writes it (docs/contract.md, "The envelope"),
 * about the person `key`, its data carrying `sequence` so a test can check the order
 * records arrive in.
 */
export function exampleInboxRecord(key: string, sequence: number): Message {
  return {
    key,
    value: JSON.stringify({ subject: { localId: key }, sequence }),
    headers: {
      ce_specversion: '1.0',
      ce_id: randomUUID(),
      ce_source: 'urn:accord:southampton.adult-social-care',
      ce_type: 'asc.service.started.v1',
      ce_time: '2026-12-04T10:00:00Z',
      'content-type': 'application/json',
      ce_accordagreement: 'test-agreement@1',
      ce_accordpurpose: 'direct-care',
      ce_accorddecision: randomUUID(),
    },
  };
}

/**
 * How the hub hands `exampleInboxRecord(key, sequence)` to a partner over HTTPS (pull feed,
 * webhook): one CloudEvent in the JSON format with the Accord extensions and the key.
 */
export function exampleInboxEvent(record: Message): Record<string, unknown> {
  const headers = record.headers as Record<string, string>;
  return {
    specversion: '1.0',
    id: headers.ce_id,
    source: 'urn:accord:southampton.adult-social-care',
    type: 'asc.service.started.v1',
    time: '2026-12-04T10:00:00Z',
    datacontenttype: 'application/json',
    accordagreement: 'test-agreement@1',
    accordpurpose: 'direct-care',
    accorddecision: headers.ce_accorddecision,
    key: record.key,
    data: JSON.parse(String(record.value)),
  };
}
