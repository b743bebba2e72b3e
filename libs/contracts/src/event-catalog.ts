/**
 * The event types of DOMAIN.md as plain data: which system may publish each type, its
 * fields, which fields are special category (UK GDPR Art. 9) or criminal-offence data
 * (Art. 10), and which types are safeguarding events. The governance engine validates
 * agreements against this catalogue; the class-validator classes validate payloads.
 */

export type ValueKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'date' // ISO 8601 calendar date, 2026-11-28
  | 'datetime' // RFC 3339
  | 'enum'
  | 'enum[]'
  | 'object';

export interface FieldSpec {
  /** Path relative to the event data, e.g. `subject.nhsNumber`, `serviceType`. */
  readonly path: string;
  readonly kind: ValueKind;
  readonly required: boolean;
  /** Special category data (health, ethnicity, sex life...): needs an Art. 9 basis to share. */
  readonly specialCategory: boolean;
  /** Criminal-offence data (Art. 10). */
  readonly criminalOffence?: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/** The system part of a participant id (`<org>.<system>`) that may publish a type. */
export type PublisherSystem = 'adult-social-care' | 'public-health' | 'revenues-benefits' | 'nhs';

export interface EventTypeSpec {
  readonly type: string;
  readonly publisherSystem: PublisherSystem;
  readonly description: string;
  /** Fields specific to the type; the subject fields are common to all types. */
  readonly fields: readonly FieldSpec[];
  /** A safeguarding event: the only kind the safeguarding override can apply to. */
  readonly safeguarding: boolean;
  /** The national data opt-out never applies (e.g. communicable disease notification). */
  readonly nationalOptOutNeverApplies: boolean;
}

const field = (
  path: string,
  kind: ValueKind,
  options: Partial<Omit<FieldSpec, 'path' | 'kind'>> = {},
): FieldSpec => ({ path, kind, required: true, specialCategory: false, ...options });

const optional = (path: string, kind: ValueKind, options: Partial<Omit<FieldSpec, 'path' | 'kind'>> = {}) =>
  field(path, kind, { ...options, required: false });

/** `subject` is on every event; only `localId` is required. `name` may be released whole or by part. */
export const SUBJECT_FIELDS: readonly FieldSpec[] = [
  field('subject', 'object'),
  field('subject.localId', 'string'),
  optional('subject.nhsNumber', 'string'),
  optional('subject.niNumber', 'string'),
  optional('subject.name', 'object'),
  optional('subject.name.given', 'string'),
  optional('subject.name.family', 'string'),
  optional('subject.dateOfBirth', 'date'),
  optional('subject.gender', 'string'),
  optional('subject.postcode', 'string'),
  optional('subject.uprn', 'string'),
];

export const SERVICE_TYPES = ['long-term-residential', 'long-term-nursing', 'community', 'short-term-reablement'] as const;
export const DELIVERY_MECHANISMS = ['council-managed', 'direct-payment', 'managed-personal-budget'] as const;
export const PRIMARY_SUPPORT_REASONS = [
  'physical-support',
  'sensory-support',
  'memory-and-cognition',
  'learning-disability',
  'mental-health',
  'social-support',
] as const;
export const TYPES_OF_RISK = [
  'physical',
  'sexual',
  'psychological',
  'financial',
  'discriminatory',
  'organisational',
  'neglect',
  'self-neglect',
  'domestic-abuse',
  'modern-slavery',
] as const;

export const ASSESSMENT_TYPES = ['long-term', 'short-term', 'financial'] as const;
export const LOCATION_TYPES = ['own-home', 'care-home', 'hospital', 'community', 'other'] as const;
export const SOURCES_OF_RISK = ['service-provider', 'other-known', 'unknown'] as const;
export const SMOKING_STATUSES = ['never', 'ex', 'current'] as const;
export const REFERRAL_SOURCES = ['self', 'gp', 'hospital', 'criminal-justice', 'other'] as const;
/** DOMAIN.md lists no values for `problemSubstances`; these are the broad NDTMS substance groups. */
export const PROBLEM_SUBSTANCES = [
  'opiates',
  'crack',
  'cocaine',
  'cannabis',
  'alcohol',
  'benzodiazepines',
  'amphetamines',
  'new-psychoactive',
  'other',
] as const;
export const INJECTING_STATUSES = ['never', 'previously', 'currently'] as const;
export const TENURES = ['council', 'housing-association', 'private-lha', 'private-other'] as const;
export const DISCRETIONARY_HOUSING_PAYMENT_REASONS = ['benefit-cap', 'spare-room-subsidy', 'lha-shortfall', 'other'] as const;
export const COUNCIL_TAX_DISCOUNTS = ['single-person', 'disregard', 'exemption-class-e', 'none'] as const;
export const INJURY_SEVERITIES = ['none', 'minor', 'serious'] as const;

const serviceFields = (dateField: 'startDate' | 'endDate'): FieldSpec[] => [
  field('serviceType', 'enum', { values: SERVICE_TYPES }),
  field('deliveryMechanism', 'enum', { values: DELIVERY_MECHANISMS }),
  optional('providerCqcLocationId', 'string'),
  optional('plannedUnitsPerWeek', 'number', { min: 0 }),
  optional('weeklyCost', 'number', { min: 0 }),
  field(dateField, 'date'),
];

const specs: EventTypeSpec[] = [
  {
    type: 'asc.assessment.completed.v1',
    publisherSystem: 'adult-social-care',
    description: 'A Care Act needs or financial assessment was completed',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('assessmentType', 'enum', { values: ASSESSMENT_TYPES }),
      field('eligibleNeedsIdentified', 'boolean'),
      optional('primarySupportReason', 'enum', { values: PRIMARY_SUPPORT_REASONS, specialCategory: true }),
      field('hasUnpaidCarer', 'boolean'),
      field('completedAt', 'datetime'),
      optional('team', 'string'),
    ],
  },
  {
    type: 'asc.service.started.v1',
    publisherSystem: 'adult-social-care',
    description: 'A care and support service started',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: serviceFields('startDate'),
  },
  {
    type: 'asc.service.ended.v1',
    publisherSystem: 'adult-social-care',
    description: 'A care and support service ended',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [...serviceFields('endDate'), optional('endReason', 'string')],
  },
  {
    type: 'asc.safeguarding.concern-raised.v1',
    publisherSystem: 'adult-social-care',
    description: 'A safeguarding concern was raised about an adult at risk',
    safeguarding: true,
    nationalOptOutNeverApplies: false,
    fields: [
      field('concernId', 'string'),
      field('typesOfRisk', 'enum[]', { values: TYPES_OF_RISK, specialCategory: true }),
      field('locationType', 'enum', { values: LOCATION_TYPES }),
      field('sourceOfRisk', 'enum', { values: SOURCES_OF_RISK }),
      field('s42EnquiryStarted', 'boolean'),
      field('raisedAt', 'datetime'),
    ],
  },
  {
    type: 'asc.review.completed.v1',
    publisherSystem: 'adult-social-care',
    description: 'A care and support plan review was completed',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [field('reviewReason', 'string'), field('outcomesAchieved', 'boolean'), field('completedAt', 'datetime')],
  },
  {
    type: 'ph.immunisation.administered.v1',
    publisherSystem: 'public-health',
    description: 'A vaccine dose was administered',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('vaccineCode', 'string', { specialCategory: true }),
      field('targetDisease', 'string', { specialCategory: true }),
      field('doseNumber', 'integer', { min: 1 }),
      field('administeredAt', 'datetime'),
      optional('lotNumber', 'string'),
      optional('site', 'string'),
      optional('route', 'string'),
      optional('performer', 'string'),
    ],
  },
  {
    type: 'ph.health-check.completed.v1',
    publisherSystem: 'public-health',
    description: 'An NHS Health Check was completed',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('systolic', 'integer', { specialCategory: true, min: 40, max: 300 }),
      field('diastolic', 'integer', { specialCategory: true, min: 20, max: 200 }),
      optional('cholesterolRatio', 'number', { specialCategory: true, min: 0 }),
      field('bmi', 'number', { specialCategory: true, min: 5, max: 150 }),
      field('smokingStatus', 'enum', { specialCategory: true, values: SMOKING_STATUSES }),
      optional('qriskScore', 'number', { specialCategory: true, min: 0, max: 100 }),
      field('completedAt', 'datetime'),
    ],
  },
  {
    type: 'ph.notifiable-disease.notified.v1',
    publisherSystem: 'public-health',
    description: 'A notifiable disease was notified to the proper officer',
    safeguarding: false,
    nationalOptOutNeverApplies: true,
    fields: [
      field('disease', 'string', { specialCategory: true }),
      optional('onsetDate', 'date', { specialCategory: true }),
      field('notifiedAt', 'datetime'),
      field('notifier', 'string'),
      optional('occupation', 'string'),
      optional('setting', 'string'),
    ],
  },
  {
    type: 'ph.substance-misuse.referral.v1',
    publisherSystem: 'public-health',
    description: 'A referral to drug and alcohol treatment',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('referralSource', 'enum', { values: REFERRAL_SOURCES }),
      field('problemSubstances', 'enum[]', { specialCategory: true, values: PROBLEM_SUBSTANCES }),
      field('injectingStatus', 'enum', { specialCategory: true, values: INJECTING_STATUSES }),
      field('referredAt', 'datetime'),
      field('consentToNdtms', 'boolean'),
    ],
  },
  {
    type: 'rb.housing-benefit.assessed.v1',
    publisherSystem: 'revenues-benefits',
    description: 'A housing benefit claim was assessed',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('claimReference', 'string'),
      field('tenure', 'enum', { values: TENURES }),
      field('eligibleRent', 'number', { min: 0 }),
      field('weeklyAward', 'number', { min: 0 }),
      field('effectiveFrom', 'date'),
    ],
  },
  {
    type: 'rb.council-tax-reduction.awarded.v1',
    publisherSystem: 'revenues-benefits',
    description: 'Council tax reduction was awarded',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('accountReference', 'string'),
      field('weeklyReduction', 'number', { min: 0 }),
      field('householdSize', 'integer', { min: 1 }),
      field('effectiveFrom', 'date'),
    ],
  },
  {
    type: 'rb.discretionary-housing-payment.awarded.v1',
    publisherSystem: 'revenues-benefits',
    description: 'A discretionary housing payment was awarded',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('reason', 'enum', { values: DISCRETIONARY_HOUSING_PAYMENT_REASONS }),
      field('weeklyAmount', 'number', { min: 0 }),
      field('weeks', 'integer', { min: 1 }),
      field('awardedAt', 'datetime'),
    ],
  },
  {
    type: 'rb.council-tax.discount-changed.v1',
    publisherSystem: 'revenues-benefits',
    description: 'A council tax discount or exemption changed',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('accountReference', 'string'),
      field('discount', 'enum', { values: COUNCIL_TAX_DISCOUNTS }),
      field('effectiveFrom', 'date'),
    ],
  },
  {
    type: 'nhs.hospital-discharge.notified.v1',
    publisherSystem: 'nhs',
    description: 'A hospital notified an expected discharge needing care and support',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('dischargePathway', 'integer', { specialCategory: true, min: 0, max: 3 }),
      field('expectedDischargeDate', 'date'),
      optional('ward', 'string'),
      optional('needsSummary', 'string', { specialCategory: true }),
    ],
  },
  {
    type: 'nhs.ambulance.fall-attended.v1',
    publisherSystem: 'nhs',
    description: 'An ambulance crew attended a fall',
    safeguarding: false,
    nationalOptOutNeverApplies: false,
    fields: [
      field('attendedAt', 'datetime'),
      field('injury', 'enum', { specialCategory: true, values: INJURY_SEVERITIES }),
      field('conveyed', 'boolean'),
      optional('livesAlone', 'boolean'),
    ],
  },
];

export const EVENT_TYPES: ReadonlyMap<string, EventTypeSpec> = new Map(specs.map((spec) => [spec.type, spec]));

/** Every field path an agreement may name for a type: the subject fields plus the type's own. */
export function fieldsOf(eventType: string): readonly FieldSpec[] | undefined {
  const spec = EVENT_TYPES.get(eventType);
  return spec ? [...SUBJECT_FIELDS, ...spec.fields] : undefined;
}

/**
 * `<org>.<system>`, capturing the system. The same rule as `PARTICIPANT_ID_PATTERN` in
 * participants.ts, repeated because the pure libs may import this file and nothing else here.
 */
const PARTICIPANT_ID = /^[a-z0-9-]+\.([a-z0-9-]+)$/;

const FIRST_PARTY_SYSTEMS: ReadonlySet<string> = new Set(['adult-social-care', 'public-health', 'revenues-benefits']);

/**
 * Event types belong to participants by system: any `*.adult-social-care` may publish
 * `asc.*`, and so on; `nhs.*` types come from participants of any other system.
 */
export function mayPublish(participant: string, eventType: string): boolean {
  const spec = EVENT_TYPES.get(eventType);
  const system = PARTICIPANT_ID.exec(participant)?.[1];
  if (!spec || system === undefined) return false;
  if (spec.publisherSystem === 'nhs') return !FIRST_PARTY_SYSTEMS.has(system);
  return spec.publisherSystem === system;
}
