// Properties that must hold for every generated agreement, consent history and event.
// The expected outcome comes from a second, deliberately naive transcription of
// docs/contract.md, "Consent", below (`expectedOutcome`), so the engine is checked
// against the text.
import fc from 'fast-check';
import { EVENT_TYPES } from '../../contracts/src/event-catalog';
import { MASTER_KEY, catalog } from '../test/fixtures';
import type { Agreement, AgreementRule, TransformName, VersionedAgreement } from './agreement';
import type { ConsentStatement } from './consent';
import { evaluate, type Decision, type EvaluationInput, type EventToEvaluate } from './evaluate';
import { leafPaths, project, pseudonymKey, type JsonObject } from './project';

// GOVERNANCE_PROPERTY_RUNS=5000 for a deeper search before a release.
const RUNS = { numRuns: Number(process.env.GOVERNANCE_PROPERTY_RUNS ?? 400) };

// --- the world the generators draw from -------------------------------------------------

const NHS_NUMBERS = ['9434765919', '4010232137', '943 476 5919'];
const NI_NUMBERS = ['QQ123456C', 'qq 12 34 56 c', 'AB123456D'];
const RECIPIENTS = ['southampton.revenues-benefits', 'uhs.emergency-department', 'ohid.ndtms'];
const PURPOSES = ['council-tax-and-hb-review', 'direct-care'];
const AGREEMENT_IDS = ['agreement-a', 'agreement-b'];
const TYPES = [...EVENT_TYPES.keys()];
const DAYS = ['2026-01-01', '2026-06-30', '2026-07-01', '2026-07-02', '2027-01-01'];
// Instants on and around the day boundaries above, and the moments statements take effect.
const INSTANTS = [
  '2026-06-30T23:59:59.999Z',
  '2026-07-01T00:00:00.000Z',
  '2026-07-01T12:00:00.000Z',
  '2026-07-01T23:59:59.999Z',
  '2026-07-02T00:00:00.000Z',
];

/** Conditions and what each means, written in JS: an error or a non-boolean is false. */
const CONDITIONS: ReadonlyArray<[string | undefined, (data: JsonObject) => boolean]> = [
  [undefined, () => true],
  ['true', () => true],
  ['false', () => false],
  ["data.serviceType == 'community'", (data) => data.serviceType === 'community'],
  ['data.flag', (data) => data.flag === true],
  ['has(data.flag) && data.flag == true', (data) => data.flag === true],
  ['1 / 0 == 1', () => false],
  ['data.serviceType', (data) => data.serviceType === true], // holds only when the value itself is boolean true
];

const EXTRA_SEGMENTS = ['serviceType', 'flag', 'extra', 'subject', 'name', 'given', '__proto__', 'constructor', 'x'];

const transformName = fc.constantFrom<TransformName>('pseudonymise', 'year-only', 'postcode-district');

const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 8 }),
    fc.constantFrom('2026-11-28', '1941-03-02T10:00:00+01:00', 'SO16 7XX', 'm1 1ae', 'community', 'not a date'),
    fc.integer(),
    // Event data is JSON: finite numbers only (what the broker consumes was parsed from JSON).
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...EXTRA_SEGMENTS), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Builds objects with defineProperty so that keys like `__proto__` become own properties. */
function objectOf(entries: ReadonlyArray<readonly [string, unknown]>): JsonObject {
  const result: JsonObject = {};
  for (const [key, entryValue] of entries) {
    Object.defineProperty(result, key, { value: entryValue, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

const pathArbitrary = (type: string) => {
  const known = [...catalog.get(type)!.fields.keys()];
  return fc.oneof(
    fc.constantFrom(...known),
    fc.array(fc.constantFrom(...EXTRA_SEGMENTS), { minLength: 1, maxLength: 3 }).map((segments) => segments.join('.')),
  );
};

const ruleArbitrary = (type: string): fc.Arbitrary<AgreementRule> =>
  fc
    .record({
      eventType: fc.oneof({ weight: 4, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...TYPES) }),
      condition: fc.nat(CONDITIONS.length - 1),
      fields: fc.uniqueArray(pathArbitrary(type), { minLength: 1, maxLength: 8 }),
      transformPicks: fc.array(fc.tuple(fc.nat(20), transformName), { maxLength: 3 }),
    })
    .map(({ eventType, condition, fields, transformPicks }) => {
      const transforms: Record<string, TransformName> = {};
      for (const [index, name] of transformPicks) transforms[fields[index % fields.length]!] = name;
      const when = CONDITIONS[condition]![0];
      return { eventType, ...(when === undefined ? {} : { when }), fields, ...(transformPicks.length ? { transforms } : {}) };
    });

const agreementArbitrary = (type: string, source: string): fc.Arbitrary<VersionedAgreement> =>
  fc.record({
    version: fc.integer({ min: 1, max: 3 }),
    id: fc.constantFrom(...AGREEMENT_IDS),
    title: fc.constant('generated'),
    status: fc.constantFrom<Agreement['status']>('active', 'active', 'active', 'suspended', 'draft'),
    provider: fc.constant(source),
    recipients: fc.uniqueArray(fc.constantFrom(...RECIPIENTS), { minLength: 1, maxLength: 3 }),
    purpose: fc.record({ code: fc.constantFrom(...PURPOSES), description: fc.constant('generated') }),
    lawfulBasis: fc.constant({ article6: 'public-task' as const, article9: 'health-social-care' as const, legislation: [] }),
    validFrom: fc.constantFrom(...DAYS.slice(0, 4)),
    validUntil: fc.constantFrom(...DAYS.slice(1)),
    reviewBy: fc.constant('2027-01-01'),
    consent: fc.record({
      basis: fc.constantFrom<Agreement['consent']['basis']>('none', 'explicit', 'objection'),
      nationalDataOptOut: fc.constantFrom<Agreement['consent']['nationalDataOptOut']>('applies', 'exempt'),
      safeguardingOverride: fc.boolean(),
    }),
    retention: fc.constant({ days: 30 }),
    rules: fc.array(ruleArbitrary(type), { minLength: 1, maxLength: 3 }),
  });

const eventArbitrary = (type: string): fc.Arbitrary<EventToEvaluate> =>
  fc
    .record({
      nhsNumber: fc.option(fc.constantFrom(...NHS_NUMBERS), { nil: undefined }),
      niNumber: fc.option(fc.constantFrom(...NI_NUMBERS), { nil: undefined }),
      known: fc.array(fc.tuple(fc.constantFrom(...catalog.get(type)!.fields.keys()), value), { maxLength: 10 }),
      extra: fc.array(fc.tuple(fc.constantFrom(...EXTRA_SEGMENTS), value), { maxLength: 4 }),
      id: fc.uuid(),
    })
    .map(({ nhsNumber, niNumber, known, extra, id }) => {
      const data = objectOf(extra);
      const subject: JsonObject = { localId: 'L-1' };
      if (nhsNumber !== undefined) subject.nhsNumber = nhsNumber;
      if (niNumber !== undefined) subject.niNumber = niNumber;
      data.subject = subject;
      for (const [path, fieldValue] of known) {
        const segments = path.split('.');
        let target = data;
        for (const segment of segments.slice(0, -1)) {
          if (typeof target[segment] !== 'object' || target[segment] === null || Array.isArray(target[segment])) {
            target[segment] = {};
          }
          target = target[segment] as JsonObject;
        }
        target[segments[segments.length - 1]!] = fieldValue;
      }
      return { id, type, source: 'generated.source', time: '2026-07-01T10:00:00Z', data };
    });

const scopeKey = (candidates: readonly string[]) =>
  fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom(...candidates), fc.constant('no-match'));

const consentsArbitrary: fc.Arbitrary<ConsentStatement[]> = fc
  .array(
    fc.record({
      subject: fc.oneof(
        fc.record({ nhsNumber: fc.constantFrom(...NHS_NUMBERS) }),
        fc.record({ niNumber: fc.constantFrom(...NI_NUMBERS) }),
      ),
      kind: fc.constantFrom<ConsentStatement['kind']>('grant', 'withdraw', 'object', 'national-opt-out', 'national-opt-out-removed'),
      scope: fc.record({ purpose: scopeKey(PURPOSES), recipient: scopeKey(RECIPIENTS), agreementId: scopeKey(AGREEMENT_IDS) }),
      effectiveFrom: fc.constantFrom(...INSTANTS),
      recordedAt: fc.constantFrom(...INSTANTS),
      recordedSeq: fc.option(fc.nat(5), { nil: undefined }),
    }),
    { maxLength: 8 },
  )
  .map((statements) => statements.map((statement, index) => ({ ...statement, id: `s-${index}` })));

interface Scenario {
  readonly input: EvaluationInput;
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .constantFrom(...TYPES)
  .chain((type) =>
    fc.record({
      event: eventArbitrary(type),
      agreement: agreementArbitrary(type, 'generated.source'),
      recipientIndex: fc.nat(2),
      consents: consentsArbitrary,
      now: fc.constantFrom(...INSTANTS).map((instant) => new Date(instant)),
    }),
  )
  .map(({ event, agreement, recipientIndex, consents, now }) => ({
    input: {
      event,
      agreement,
      recipient: agreement.recipients[recipientIndex % agreement.recipients.length]!,
      consents,
      now,
      catalog,
      pseudonymMasterKey: MASTER_KEY,
    },
  }));

// --- the naive transcription of docs/contract.md, "Consent" ----------------------------

const digits = (text: string) => text.replace(/\s/g, '');
const upper = (text: string) => digits(text).toUpperCase();
const time = (instant: Date | string) => new Date(instant).getTime();

function isAboutSubject(statement: ConsentStatement, subject: JsonObject): boolean {
  const nhs = typeof subject.nhsNumber === 'string' ? digits(subject.nhsNumber) : undefined;
  const ni = typeof subject.niNumber === 'string' ? upper(subject.niNumber) : undefined;
  return (
    (statement.subject.nhsNumber != null && digits(statement.subject.nhsNumber) === nhs) ||
    (statement.subject.niNumber != null && upper(statement.subject.niNumber) === ni)
  );
}

/** Sorts ascending by precedence and takes the last: most scope keys, effectiveFrom, recordedAt, recordedSeq, restrictive, id. */
function latestOf(statements: ConsentStatement[], specificity: (statement: ConsentStatement) => number) {
  const restrictive = (statement: ConsentStatement) => (statement.kind === 'grant' || statement.kind === 'national-opt-out-removed' ? 0 : 1);
  const keyOf = (statement: ConsentStatement) => [
    specificity(statement),
    time(statement.effectiveFrom),
    time(statement.recordedAt),
    statement.recordedSeq ?? -1,
    restrictive(statement),
  ];
  return [...statements]
    .sort((a, b) => {
      const [ka, kb] = [keyOf(a), keyOf(b)];
      for (let index = 0; index < ka.length; index++) if (ka[index] !== kb[index]) return ka[index]! - kb[index]!;
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })
    .pop();
}

function expectedOutcome({ event, agreement, recipient, consents, now }: EvaluationInput): {
  outcome: Decision['outcome'];
  reasons: string[];
  winner?: ConsentStatement;
} {
  const day = now.toISOString().slice(0, 10);
  if (agreement.status !== 'active' || day < agreement.validFrom || day > agreement.validUntil) {
    return { outcome: 'withheld', reasons: ['agreement-not-active'] };
  }
  const rule = agreement.rules.find(
    (candidate) => candidate.eventType === event.type && CONDITIONS.find(([when]) => when === candidate.when)![1](event.data),
  );
  if (!rule) return { outcome: 'withheld', reasons: ['condition-not-met'] };

  const subject = (typeof event.data.subject === 'object' && event.data.subject !== null ? event.data.subject : {}) as JsonObject;
  const counting = consents.filter((statement) => isAboutSubject(statement, subject) && time(statement.effectiveFrom) <= now.getTime());
  const set = (key: string | null | undefined) => key !== undefined && key !== null;
  const winner = latestOf(
    counting.filter(
      (statement) =>
        ['grant', 'withdraw', 'object'].includes(statement.kind) &&
        (!set(statement.scope.purpose) || statement.scope.purpose === agreement.purpose.code) &&
        (!set(statement.scope.recipient) || statement.scope.recipient === recipient) &&
        (!set(statement.scope.agreementId) || statement.scope.agreementId === agreement.id),
    ),
    (statement) => [statement.scope.purpose, statement.scope.recipient, statement.scope.agreementId].filter(set).length,
  );
  const optOut = latestOf(
    counting.filter((statement) => statement.kind === 'national-opt-out' || statement.kind === 'national-opt-out-removed'),
    () => 0,
  );
  const basis = agreement.consent.basis;
  if (basis === 'explicit' && winner?.kind !== 'grant') return { outcome: 'withheld', reasons: ['no-consent'], winner };

  const type = catalog.get(event.type)!;
  const objected = basis === 'objection' && (winner?.kind === 'object' || winner?.kind === 'withdraw');
  const optedOut =
    agreement.consent.nationalDataOptOut === 'applies' && !type.nationalOptOutNeverApplies && optOut?.kind === 'national-opt-out';
  const override = agreement.consent.safeguardingOverride && type.safeguarding;
  if (!override && objected) return { outcome: 'withheld', reasons: ['objection'], winner };
  if (!override && optedOut) return { outcome: 'withheld', reasons: ['national-opt-out'], winner };
  if (objected || optedOut) {
    return {
      outcome: 'shared',
      reasons: ['safeguarding-override', ...(objected ? ['objection'] : []), ...(optedOut ? ['national-opt-out'] : [])],
      winner,
    };
  }
  return { outcome: 'shared', reasons: ['permitted'], winner };
}

/**
 * A deep copy made in this realm. (structuredClone builds objects of Node's own realm,
 * which CEL, running inside jest's sandbox, does not recognise as maps.)
 */
function deepCopy<T>(original: T): T {
  if (Array.isArray(original)) return original.map(deepCopy) as T;
  if (original instanceof Date) return new Date(original.getTime()) as T;
  if (typeof original === 'object' && original !== null) {
    return objectOf(Object.entries(original).map(([key, child]) => [key, deepCopy(child)] as const)) as T;
  }
  return original;
}

// --- the properties ----------------------------------------------------------------------

const covered = (path: string, allowed: readonly string[]) =>
  allowed.some((field) => path === field || path.startsWith(field + '.'));

describe('evaluation properties (all generated agreements, consent histories and events)', () => {
  it('decides exactly as docs/contract.md, "Consent", says: outcome, reasons and the deciding statement', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ input }) => {
        const decision = evaluate(input);
        const expected = expectedOutcome(input);
        expect({ outcome: decision.outcome, reasons: decision.reasons }).toEqual({
          outcome: expected.outcome,
          reasons: expected.reasons,
        });
        if (expected.winner && input.agreement.consent.basis !== 'none') {
          expect(decision.consentRefs[0]).toBe(expected.winner.id);
        }
      }),
      RUNS,
    );
  });

  it('never releases anything outside the chosen rule’s fields, transforms included', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ input }) => {
        const decision = evaluate(input);
        if (decision.outcome === 'withheld') {
          expect(decision.released).toBeUndefined();
          expect(decision.fieldsReleased).toEqual([]);
          return;
        }
        const rule = input.agreement.rules[decision.rule!]!;
        for (const path of leafPaths(decision.released)) expect(covered(path, rule.fields)).toBe(true);
        for (const path of decision.fieldsReleased) expect(rule.fields).toContain(path);
        // Every released transformed value has the transform's shape, never the raw value.
        for (const [path, name] of Object.entries(rule.transforms ?? {})) {
          const released = path.split('.').reduce<unknown>(
            (current, segment) =>
              current !== null && typeof current === 'object' && Object.prototype.hasOwnProperty.call(current, segment)
                ? (current as JsonObject)[segment]
                : undefined,
            decision.released,
          );
          if (released === undefined || released === null) continue;
          const shape = { pseudonymise: /^ps_[A-Za-z0-9_-]{43}$/, 'year-only': /^\d{4}$/, 'postcode-district': /^[A-Z]{1,2}\d[A-Z\d]?$/ }[name];
          expect(String(released)).toMatch(shape);
        }
      }),
      RUNS,
    );
  });

  it('never shares under explicit consent without a winning grant', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ input }) => {
        const decision = evaluate(input);
        if (input.agreement.consent.basis !== 'explicit' || decision.outcome !== 'shared') return;
        const winner = input.consents.find((statement) => statement.id === decision.consentRefs[0]);
        expect(winner?.kind).toBe('grant');
        expect(expectedOutcome(input).winner?.kind).toBe('grant');
      }),
      RUNS,
    );
  });

  it('withholds on a winning objection or withdrawal unless the safeguarding override applies', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ input }) => {
        const decision = evaluate(input);
        const winner = expectedOutcome(input).winner;
        const basis = input.agreement.consent.basis;
        if (basis === 'none' || (winner?.kind !== 'object' && winner?.kind !== 'withdraw')) return;
        const overrideApplies =
          basis === 'objection' &&
          input.agreement.consent.safeguardingOverride &&
          catalog.get(input.event.type)!.safeguarding;
        if (decision.outcome === 'shared') {
          expect(overrideApplies).toBe(true);
          expect(decision.reasons.slice(0, 2)).toEqual(['safeguarding-override', 'objection']);
        }
      }),
      RUNS,
    );
  });

  it('never lets the safeguarding override change a step 1–3 decision', () => {
    fc.assert(
      fc.property(scenarioArbitrary, ({ input }) => {
        const withOverride: VersionedAgreement = {
          ...input.agreement,
          consent: { ...input.agreement.consent, safeguardingOverride: true },
        };
        const withoutOverride: VersionedAgreement = {
          ...input.agreement,
          consent: { ...input.agreement.consent, safeguardingOverride: false },
        };
        const overridden = evaluate({ ...input, agreement: withOverride });
        const plain = evaluate({ ...input, agreement: withoutOverride });
        const early = ['agreement-not-active', 'condition-not-met', 'no-consent'];
        if (early.includes(plain.reasons[0]!)) expect(overridden.reasons).toEqual(plain.reasons);
        if (overridden.outcome === 'shared') {
          // The same rule and the same allow-list projection, override or not.
          expect(overridden.rule).toBe(plain.rule);
          if (plain.outcome === 'shared') expect(overridden.released).toEqual(plain.released);
        }
      }),
      RUNS,
    );
  });

  it('is deterministic: the same inputs, in any consent order and freshly copied, give the same decision', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.infiniteStream(fc.nat()), ({ input }, seeds) => {
        const first = evaluate(input);
        const shuffled = [...input.consents]
          .map((statement) => ({ statement, order: seeds.next().value as number }))
          .sort((a, b) => a.order - b.order)
          .map(({ statement }) => statement);
        const copy: EvaluationInput = {
          ...input,
          event: deepCopy(input.event),
          agreement: deepCopy(input.agreement),
          consents: deepCopy(shuffled),
          now: new Date(input.now.getTime()),
        };
        expect(evaluate(copy)).toEqual(first);
      }),
      RUNS,
    );
  });
});

describe('pseudonym properties', () => {
  // Event data is JSON: its numbers are finite.
  const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

  it('are stable within one agreement and differ across agreements', () => {
    fc.assert(
      fc.property(
        scalar,
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        fc.stringMatching(/^[a-z0-9-]{1,20}$/),
        (fieldValue, firstAgreement, secondAgreement) => {
          fc.pre(firstAgreement !== secondAgreement);
          const release = (agreementId: string) =>
            project({ value: fieldValue }, ['value'], { value: 'pseudonymise' }, pseudonymKey(MASTER_KEY, agreementId)).released
              .value;
          expect(release(firstAgreement)).toBe(release(firstAgreement));
          expect(release(firstAgreement)).not.toBe(release(secondAgreement));
          expect(String(release(firstAgreement))).not.toContain(String(fieldValue).length > 3 ? String(fieldValue) : '\u0000');
        },
      ),
      RUNS,
    );
  });
});
