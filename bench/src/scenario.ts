import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { EVENT_TYPES, encodeEvent, eventsTopic, fieldsOf, inboxTopic, mayPublish, nhsNumberCheckDigit, validateEventData, type EncodedRecord } from '@accord/contracts';
import { exampleEventData } from '@accord/testing';
import { createEventTypeCatalog, subjectKeys, validateAgreement, type Agreement } from '@accord/governance';
import { REPOSITORY_ROOT } from './paths';

/*
 * The reference scenario (docs/domain.md) made unique per run: every organisation `org`
 * becomes `<runId>-org`, so a run's participants, topics and consumer groups never meet
 * another run's or anyone's tests. The agreements are the reference ones of
 * infra/agreements with only the participant ids rewritten.
 */

const AGREEMENTS_DIRECTORY = join(REPOSITORY_ROOT, 'infra/agreements');

/** Secrets of the benchmark's own databases (never a real deployment's). */
export const BENCH_SUBJECT_KEY_SECRET = 'accord-benchmark-subject-key-secret-not-for-production';
export const BENCH_PSEUDONYMISATION_SECRET = 'accord-benchmark-pseudonymisation-secret-not-for-production';

/** The three first-party sources of the throughput run: one events topic each. */
export const SOURCE_SYSTEMS = ['adult-social-care', 'public-health', 'revenues-benefits'] as const;
export type SourceSystem = (typeof SOURCE_SYSTEMS)[number];
const SOURCE_PARTICIPANTS: Record<SourceSystem, string> = {
  'adult-social-care': 'southampton.adult-social-care',
  'public-health': 'hampshire.public-health',
  'revenues-benefits': 'southampton.revenues-benefits',
};

export interface Scenario {
  runId: string;
  /** Reference participant id → this run's. */
  participant(referenceId: string): string;
  participants: Array<{ id: string; organisation: string; system: string; displayName: string }>;
  agreements: Agreement[];
  sources: Record<SourceSystem, string>;
  sourceTopics: string[];
  inboxTopics: string[];
}

/** `runId` '' gives the reference participant ids themselves. */
export function createScenario(runId: string): Scenario {
  const participant = (referenceId: string) => (runId ? `${runId}-${referenceId}` : referenceId);
  const reference = YAML.parse(readFileSync(join(AGREEMENTS_DIRECTORY, 'participants.yaml'), 'utf8')) as Array<{
    id: string;
    displayName: string;
  }>;
  const participants = reference.map((entry) => {
    const id = participant(entry.id);
    const [organisation, system] = id.split('.') as [string, string];
    return { id, organisation, system, displayName: runId ? `${entry.displayName} (benchmark ${runId})` : entry.displayName };
  });
  const known = new Set(participants.map((entry) => entry.id));
  const catalog = createEventTypeCatalog({ eventTypes: EVENT_TYPES, fieldsOf, mayPublish });
  const agreements = readdirSync(AGREEMENTS_DIRECTORY)
    .filter((file) => file.endsWith('.yaml') && file !== 'participants.yaml')
    .sort()
    .map((file) => {
      const raw = YAML.parse(readFileSync(join(AGREEMENTS_DIRECTORY, file), 'utf8'));
      raw.provider = participant(raw.provider);
      raw.recipients = (raw.recipients as string[]).map(participant);
      const outcome = validateAgreement(raw, { catalog, participants: (id) => known.has(id) });
      if (!outcome.ok) throw new Error(`${file} is not a valid agreement: ${JSON.stringify(outcome.problems)}`);
      return outcome.agreement;
    });
  const sources = Object.fromEntries(SOURCE_SYSTEMS.map((system) => [system, participant(SOURCE_PARTICIPANTS[system])])) as Record<
    SourceSystem,
    string
  >;
  const recipients = [...new Set(agreements.flatMap((agreement) => agreement.recipients))].sort();
  return {
    runId,
    participant,
    participants,
    agreements,
    sources,
    sourceTopics: SOURCE_SYSTEMS.map((system) => eventsTopic(sources[system])),
    inboxTopics: recipients.map(inboxTopic),
  };
}

/** sha256 of the canonical document, as stored with each agreement version. */
export function documentDigest(agreement: Agreement): string {
  return createHash('sha256').update(JSON.stringify(agreement)).digest('hex');
}

// ---------------------------------------------------------------------------------------
// People and events

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same run. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const integer = (random: Random, min: number, max: number) => min + Math.floor(random() * (max - min + 1));
const money = (random: Random, min: number, max: number) => Math.round((min + random() * (max - min)) * 100) / 100;

const GIVEN = ['Ada', 'Mary', 'John', 'Olive', 'Arthur', 'Edith', 'Harold', 'Joan', 'Stanley', 'Margaret', 'Ravi', 'Aisha', 'Tomasz', 'Chiara'];
const FAMILY = ['Lovelace', 'Seacole', 'Hardy', 'Austen', 'Brunel', 'Nightingale', 'Patel', 'Kowalski', 'Okafor', 'Rossi', 'Smith', 'Jones'];
const NI_PREFIXES = ['AB', 'CE', 'JG', 'HL', 'PR', 'SW', 'EH', 'MA'];
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export interface Person {
  index: number;
  nhsNumber: string;
  niNumber: string;
  given: string;
  family: string;
  dateOfBirth: string;
  gender: string;
  postcode: string;
  uprn: string;
}

/** A valid NHS number (Modulus 11) derived from `index`, so people are reproducible and distinct. */
export function nhsNumberFor(index: number): string {
  for (let attempt = 0; ; attempt++) {
    const firstNine = String(400_000_000 + ((index * 7 + attempt * 104_729) % 599_999_999)).padStart(9, '0');
    const check = nhsNumberCheckDigit(firstNine);
    if (check !== undefined) return firstNine + check;
  }
}

export function createPerson(index: number): Person {
  const random = createRandom(index * 2654435761);
  const year = integer(random, 1930, 2005);
  const month = String(integer(random, 1, 12)).padStart(2, '0');
  const day = String(integer(random, 1, 28)).padStart(2, '0');
  return {
    index,
    nhsNumber: nhsNumberFor(index),
    niNumber: `${NI_PREFIXES[index % NI_PREFIXES.length]}${String(index % 1_000_000).padStart(6, '0')}${'ABCD'[index % 4]}`,
    given: pick(random, GIVEN),
    family: pick(random, FAMILY),
    dateOfBirth: `${year}-${month}-${day}`,
    gender: pick(random, ['female', 'male', 'female', 'male', 'not stated']),
    postcode: `SO${integer(random, 14, 53)} ${integer(random, 0, 9)}${pick(random, [...INWARD_LETTERS])}${pick(random, [...INWARD_LETTERS])}`,
    uprn: String(100_060_000_000 + integer(random, 0, 999_999)),
  };
}

const LOCAL_ID_PREFIX: Record<SourceSystem, string> = {
  'adult-social-care': 'scc-asc-',
  'public-health': 'hcc-ph-',
  'revenues-benefits': 'scc-rb-',
};

/** The source system's own reference for the person: the record key. */
export function localIdOf(system: SourceSystem, person: Person): string {
  return `${LOCAL_ID_PREFIX[system]}${100_000 + person.index}`;
}

function subjectFor(system: SourceSystem, person: Person): Record<string, unknown> {
  const localId = localIdOf(system, person);
  const name = { given: person.given, family: person.family };
  const common = { name, dateOfBirth: person.dateOfBirth, gender: person.gender, postcode: person.postcode };
  switch (system) {
    case 'adult-social-care':
      return { localId, nhsNumber: person.nhsNumber, ...common, uprn: person.uprn };
    case 'public-health':
      return { localId, nhsNumber: person.nhsNumber, ...common };
    case 'revenues-benefits':
      return { localId, niNumber: person.niNumber, ...common, uprn: person.uprn };
  }
}

/** Event types per source with their share of that source's events (weights sum to 1). */
export const EVENT_MIX: Record<SourceSystem, Array<[type: string, weight: number]>> = {
  'adult-social-care': [
    ['asc.service.started.v1', 0.3],
    ['asc.service.ended.v1', 0.15],
    ['asc.assessment.completed.v1', 0.25],
    ['asc.safeguarding.concern-raised.v1', 0.1],
    ['asc.review.completed.v1', 0.2],
  ],
  'public-health': [
    ['ph.immunisation.administered.v1', 0.3],
    ['ph.health-check.completed.v1', 0.35],
    ['ph.notifiable-disease.notified.v1', 0.15],
    ['ph.substance-misuse.referral.v1', 0.2],
  ],
  'revenues-benefits': [
    ['rb.housing-benefit.assessed.v1', 0.4],
    ['rb.council-tax-reduction.awarded.v1', 0.25],
    ['rb.discretionary-housing-payment.awarded.v1', 0.15],
    ['rb.council-tax.discount-changed.v1', 0.2],
  ],
};

function pickType(random: Random, system: SourceSystem): string {
  let roll = random();
  for (const [type, weight] of EVENT_MIX[system]) {
    roll -= weight;
    if (roll < 0) return type;
  }
  return EVENT_MIX[system][0]![0];
}

const isoDate = (time: number) => new Date(time).toISOString().slice(0, 10);
const isoSeconds = (time: number) => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86_400_000;

const TEAMS = [
  'Hospital Discharge and Reablement Team (Southampton General, West locality)',
  'Community Independence Service, Portswood and Bitterne localities',
  'Learning Disabilities Partnership — Transitions Team for young adults',
  'Older Persons Mental Health and Memory Assessment Team',
];
const NARRATIVES = [
  'Annual review brought forward after a fall at home reported by the ambulance service. The person and their daughter were present; the support plan was discussed in full, the personal budget was confirmed at the current level and the telecare pendant was tested. Referral made to the falls prevention service with the person\u2019s agreement; next review in six months.',
  'Moved to a permanent care home placement following a hospital admission and a period of discharge to assess. The family were consulted throughout and agree with the plan. The financial assessment has been requested, the direct payment agreement will end on the date given and the care provider has been notified.',
  'Review requested by the provider after changes in mobility and night-time needs. Occupational therapy assessment arranged for next week, double-handed calls agreed as an interim measure and carers\u2019 hours increased pending a full reassessment under the Care Act. The GP has been informed of the changes.',
  'Planned review with the person at the day centre. Outcomes around social contact and managing the home are being met and the person is happy with the support. No change to the package; carer\u2019s assessment offered to the husband and accepted. Next review in twelve months unless circumstances change.',
];

/** Varied, valid data for `type`: its fields (docs/domain.md, "Event types") with realistic values and lengths. */
function fieldsFor(type: string, random: Random, now: number): Record<string, unknown> {
  const recent = () => now - integer(random, 0, 20) * DAY - integer(random, 0, 86_399) * 1000;
  switch (type) {
    case 'asc.assessment.completed.v1':
      return {
        assessmentType: pick(random, ['long-term', 'short-term', 'financial']),
        eligibleNeedsIdentified: random() < 0.7,
        primarySupportReason: pick(random, ['physical-support', 'sensory-support', 'memory-and-cognition', 'learning-disability', 'mental-health', 'social-support']),
        hasUnpaidCarer: random() < 0.4,
        completedAt: isoSeconds(recent()),
        team: pick(random, TEAMS),
      };
    case 'asc.service.started.v1':
    case 'asc.service.ended.v1': {
      const common = {
        serviceType: pick(random, ['long-term-residential', 'long-term-nursing', 'community', 'short-term-reablement']),
        deliveryMechanism: pick(random, ['council-managed', 'direct-payment', 'managed-personal-budget']),
        providerCqcLocationId: `1-${integer(random, 100_000_000, 999_999_999)}`,
        plannedUnitsPerWeek: integer(random, 1, 40) / 2,
        weeklyCost: money(random, 80, 1900),
      };
      return type === 'asc.service.started.v1'
        ? { ...common, startDate: isoDate(now + integer(random, -10, 20) * DAY) }
        : { ...common, endDate: isoDate(now + integer(random, -10, 20) * DAY), endReason: pick(random, NARRATIVES) };
    }
    case 'asc.safeguarding.concern-raised.v1': {
      const risks = ['physical', 'sexual', 'psychological', 'financial', 'discriminatory', 'organisational', 'neglect', 'self-neglect', 'domestic-abuse', 'modern-slavery'];
      const typesOfRisk = [...new Set([pick(random, risks), pick(random, risks)])];
      return {
        concernId: `SG-2026-${String(integer(random, 1, 999_999)).padStart(6, '0')}`,
        typesOfRisk,
        locationType: pick(random, ['own-home', 'care-home', 'hospital', 'community', 'other']),
        sourceOfRisk: pick(random, ['service-provider', 'other-known', 'unknown']),
        s42EnquiryStarted: random() < 0.5,
        raisedAt: isoSeconds(recent()),
      };
    }
    case 'asc.review.completed.v1':
      return { reviewReason: pick(random, NARRATIVES), outcomesAchieved: random() < 0.8, completedAt: isoSeconds(recent()) };
    case 'ph.immunisation.administered.v1':
      return {
        ...exampleFields(type),
        doseNumber: integer(random, 1, 3),
        administeredAt: isoSeconds(recent()),
        lotNumber: `FLU26-${String(integer(random, 1, 9999)).padStart(4, '0')}`,
        performer: pick(random, ['Shirley Community Pharmacy', 'Portswood Primary Care Network vaccination clinic', 'Solent NHS Trust school-aged immunisation service']),
      };
    case 'ph.health-check.completed.v1':
      return {
        systolic: integer(random, 100, 180),
        diastolic: integer(random, 60, 110),
        cholesterolRatio: integer(random, 25, 70) / 10,
        bmi: integer(random, 180, 400) / 10,
        smokingStatus: pick(random, ['never', 'ex', 'current']),
        qriskScore: integer(random, 10, 300) / 10,
        completedAt: isoSeconds(recent()),
      };
    case 'ph.notifiable-disease.notified.v1':
      return {
        disease: pick(random, ['Measles', 'Pertussis', 'Scarlet fever', 'Food poisoning', 'Mumps', 'Tuberculosis']),
        onsetDate: isoDate(now - integer(random, 2, 10) * DAY),
        notifiedAt: isoSeconds(now - integer(random, 0, 86_399) * 1000),
        notifier: pick(random, ['Shirley Health Partnership (GP)', 'University Hospital Southampton microbiology laboratory', 'Bitterne Health Centre']),
        occupation: pick(random, ['Teaching assistant', 'Food handler at a school kitchen', 'Care home support worker', 'Retired']),
        setting: pick(random, ['Primary school, year 2 class', 'Residential care home for older people', 'Restaurant kitchen', 'Household']),
      };
    case 'ph.substance-misuse.referral.v1':
      return {
        referralSource: pick(random, ['self', 'gp', 'hospital', 'criminal-justice', 'other']),
        problemSubstances: [...new Set([pick(random, ['alcohol', 'opiates', 'crack', 'cannabis', 'cocaine']), pick(random, ['alcohol', 'benzodiazepines'])])],
        injectingStatus: pick(random, ['never', 'never', 'previously', 'currently']),
        referredAt: isoSeconds(recent()),
        consentToNdtms: random() < 0.7,
      };
    case 'rb.housing-benefit.assessed.v1':
      return {
        claimReference: `HB-${String(integer(random, 1, 9_999_999)).padStart(7, '0')}`,
        tenure: pick(random, ['council', 'housing-association', 'private-lha', 'private-other']),
        eligibleRent: money(random, 70, 260),
        weeklyAward: money(random, 10, 200),
        effectiveFrom: isoDate(now + integer(random, -7, 14) * DAY),
      };
    case 'rb.council-tax-reduction.awarded.v1':
      return {
        accountReference: `CT-${integer(random, 30_000_000, 39_999_999)}`,
        weeklyReduction: money(random, 2, 40),
        householdSize: integer(random, 1, 6),
        effectiveFrom: isoDate(now + integer(random, -7, 14) * DAY),
      };
    case 'rb.discretionary-housing-payment.awarded.v1':
      return {
        reason: pick(random, ['benefit-cap', 'spare-room-subsidy', 'lha-shortfall', 'other']),
        weeklyAmount: money(random, 5, 60),
        weeks: integer(random, 4, 26),
        awardedAt: isoSeconds(recent()),
      };
    case 'rb.council-tax.discount-changed.v1':
      return {
        accountReference: `CT-${integer(random, 30_000_000, 39_999_999)}`,
        discount: pick(random, ['single-person', 'disregard', 'exemption-class-e', 'none']),
        effectiveFrom: isoDate(now + integer(random, -7, 14) * DAY),
      };
    default:
      return exampleFields(type);
  }
}

function exampleFields(type: string): Record<string, unknown> {
  const { subject: _subject, ...fields } = exampleEventData(type);
  return fields;
}

export interface GeneratedEvent {
  topic: string;
  record: EncodedRecord;
  id: string;
  type: string;
  system: SourceSystem;
  person: Person;
}

/** Builds events of the run: a source (round robin), a type by its weight, a person, and varied data. */
export class EventGenerator {
  private readonly random: Random;
  private sequence = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly people: readonly Person[],
    seed: number,
  ) {
    this.random = createRandom(seed);
  }

  next(options: { person?: Person; system?: SourceSystem; type?: string; time?: string } = {}): GeneratedEvent {
    const system = options.system ?? SOURCE_SYSTEMS[this.sequence++ % SOURCE_SYSTEMS.length]!;
    const type = options.type ?? pickType(this.random, system);
    const person = options.person ?? this.people[Math.floor(this.random() * this.people.length)]!;
    const participant = this.scenario.sources[system];
    const id = randomUUID();
    const data = { subject: subjectFor(system, person), ...fieldsFor(type, this.random, Date.now()) };
    const record = encodeEvent({ id, source: participant, type, time: options.time, data });
    return { topic: eventsTopic(participant), record, id, type, system, person };
  }
}

/** Throws if the generator produces anything the broker would reject: the benchmark must route valid events. */
export function assertValid(events: readonly GeneratedEvent[]): void {
  for (const event of events) {
    const result = validateEventData(event.type, JSON.parse(event.record.value), { publisher: event.record.headers.ce_source!.slice('urn:accord:'.length) });
    if (!result.ok) throw new Error(`generated ${event.type} is invalid: ${JSON.stringify(result.problems)}`);
  }
}

// ---------------------------------------------------------------------------------------
// Consent statements for a share of the people

export interface ConsentRow {
  id: string;
  nhsKey: string;
  niKey: string;
  kind: 'grant' | 'withdraw' | 'object' | 'national-opt-out';
  scopePurpose: string | null;
  scopeRecipient: string | null;
  scopeAgreementId: string | null;
}

/**
 * Statements about every `1/share`-th person, a mix that exercises each consent rule of
 * the reference agreements: general objections, a withdrawal scoped to one recipient, the
 * explicit grant drug treatment monitoring needs, national opt-outs, and an objection
 * overridden by a more specific grant.
 */
export function consentStatementsFor(people: readonly Person[], share: number, scenario: Scenario, secret: string): ConsentRow[] {
  const rows: ConsentRow[] = [];
  const every = Math.max(1, Math.round(1 / share));
  const random = createRandom(7);
  const row = (person: Person, kind: ConsentRow['kind'], scope: Partial<Pick<ConsentRow, 'scopePurpose' | 'scopeRecipient' | 'scopeAgreementId'>> = {}) => {
    const keys = subjectKeys({ nhsNumber: person.nhsNumber, niNumber: person.niNumber }, secret);
    rows.push({ id: randomUUID(), nhsKey: keys.nhsNumber!, niKey: keys.niNumber!, kind, scopePurpose: null, scopeRecipient: null, scopeAgreementId: null, ...scope });
  };
  for (const person of people) {
    if (person.index % every !== 0) continue;
    const roll = random();
    if (roll < 0.35) row(person, 'object');
    else if (roll < 0.55) row(person, 'withdraw', { scopeRecipient: scenario.participant('uhs.emergency-department') });
    else if (roll < 0.75) row(person, 'grant', { scopePurpose: 'substance-misuse-treatment' });
    else if (roll < 0.9) row(person, 'national-opt-out');
    else {
      row(person, 'object');
      row(person, 'grant', { scopeRecipient: scenario.participant('southampton.revenues-benefits'), scopeAgreementId: 'scc-asc-care-home-to-rb' });
    }
  }
  return rows;
}
