import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { mayPublish } from '../event-catalog';
import { isJsonObject } from '../formats';
import type { Problem } from '../problems';
import {
  AscAssessmentCompletedV1,
  AscReviewCompletedV1,
  AscSafeguardingConcernRaisedV1,
  AscServiceEndedV1,
  AscServiceStartedV1,
} from './adult-social-care.events';
import { ENUM_ARRAY_CONSTRAINT } from './fields';
import { NhsAmbulanceFallAttendedV1, NhsHospitalDischargeNotifiedV1 } from './nhs.events';
import {
  PhHealthCheckCompletedV1,
  PhImmunisationAdministeredV1,
  PhNotifiableDiseaseNotifiedV1,
  PhSubstanceMisuseReferralV1,
} from './public-health.events';
import {
  RbCouncilTaxDiscountChangedV1,
  RbCouncilTaxReductionAwardedV1,
  RbDiscretionaryHousingPaymentAwardedV1,
  RbHousingBenefitAssessedV1,
} from './revenues-benefits.events';
import type { EventDataDto } from './subject.dto';

export type EventDataClass = new () => EventDataDto;

/** Event type → the class-validator class of its data. Same keys as `EVENT_TYPES` (a test checks). */
export const EVENT_DATA_CLASSES: ReadonlyMap<string, EventDataClass> = new Map<string, EventDataClass>([
  ['asc.assessment.completed.v1', AscAssessmentCompletedV1],
  ['asc.service.started.v1', AscServiceStartedV1],
  ['asc.service.ended.v1', AscServiceEndedV1],
  ['asc.safeguarding.concern-raised.v1', AscSafeguardingConcernRaisedV1],
  ['asc.review.completed.v1', AscReviewCompletedV1],
  ['ph.immunisation.administered.v1', PhImmunisationAdministeredV1],
  ['ph.health-check.completed.v1', PhHealthCheckCompletedV1],
  ['ph.notifiable-disease.notified.v1', PhNotifiableDiseaseNotifiedV1],
  ['ph.substance-misuse.referral.v1', PhSubstanceMisuseReferralV1],
  ['rb.housing-benefit.assessed.v1', RbHousingBenefitAssessedV1],
  ['rb.council-tax-reduction.awarded.v1', RbCouncilTaxReductionAwardedV1],
  ['rb.discretionary-housing-payment.awarded.v1', RbDiscretionaryHousingPaymentAwardedV1],
  ['rb.council-tax.discount-changed.v1', RbCouncilTaxDiscountChangedV1],
  ['nhs.hospital-discharge.notified.v1', NhsHospitalDischargeNotifiedV1],
  ['nhs.ambulance.fall-attended.v1', NhsAmbulanceFallAttendedV1],
]);

export type EventDataValidation =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; reason: 'unknown-event-type' | 'invalid-payload' | 'invalid-identifier'; problems: Problem[] };

export interface ValidateEventDataOptions {
  /** The publishing participant: a type it may not publish is an unknown event type (DOMAIN.md). */
  publisher?: string;
}

/** Paths whose problems mean a malformed identifier rather than a malformed payload. */
export const IDENTIFIER_PATHS: ReadonlySet<string> = new Set(['subject.nhsNumber', 'subject.niNumber']);

/**
 * `invalid-identifier` when every problem is about an NHS or NI number (an otherwise good
 * event whose source holds a bad identifier: a master-data fix at the source), otherwise
 * `invalid-payload` (the event itself is malformed; its problems still list any identifier).
 */
export function classifyProblems(problems: readonly Problem[]): 'invalid-identifier' | 'invalid-payload' {
  return problems.length > 0 && problems.every((problem) => IDENTIFIER_PATHS.has(problem.path)) ? 'invalid-identifier' : 'invalid-payload';
}

/**
 * Validates event data against its type's class, listing every problem (never a value),
 * and returns the data with identifiers normalised (`943 476 5919` → `9434765919`).
 * Optional fields sent as null are treated as absent and left out of `value`.
 */
export function validateEventData(eventType: string, data: unknown, options: ValidateEventDataOptions = {}): EventDataValidation {
  const dataClass = EVENT_DATA_CLASSES.get(eventType);
  if (!dataClass || (options.publisher !== undefined && !mayPublish(options.publisher, eventType))) {
    const problem = dataClass ? 'the publisher may not publish this event type' : 'unknown event type';
    return { ok: false, reason: 'unknown-event-type', problems: [{ path: 'type', problem }] };
  }
  if (!isJsonObject(data)) {
    return { ok: false, reason: 'invalid-payload', problems: [{ path: '', problem: 'event data must be a JSON object' }] };
  }
  // class-transformer silently skips these keys, so whitelisting would never see them.
  const hiddenKeys = hiddenKeyPaths(data);
  const instance = plainToInstance(dataClass, data);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    // The value is kept only to name wrong array items by index; it never reaches a message.
    validationError: { target: false, value: true },
  });
  if (errors.length > 0 || hiddenKeys.length > 0) {
    const problems = [...flattenProblems(errors), ...hiddenKeys.map((path) => ({ path, problem: 'is not a field of this event type' }))];
    return { ok: false, reason: classifyProblems(problems), problems };
  }
  return { ok: true, value: plainData(instance) as Record<string, unknown> };
}

/** class-validator's nested errors as `{ path, problem }`, one per failed constraint. */
export function flattenProblems(errors: readonly ValidationError[], parent = ''): Problem[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).flatMap(([constraint, problem]) => {
      if (constraint === ENUM_ARRAY_CONSTRAINT) return enumArrayProblems(error, path, problem);
      // class-validator's message quotes the unknown key, which the sender chose; the path already names it.
      if (constraint === 'whitelistValidation') return [{ path, problem: 'is not a field of this event type' }];
      return [{ path, problem }];
    });
    return [...own, ...flattenProblems(error.children ?? [], path)];
  });
}

/** Names each wrong item (`typesOfRisk.1`) rather than the whole array, so a partner finds it. */
function enumArrayProblems(error: ValidationError, path: string, wholeArrayProblem: string): Problem[] {
  const allowed = (error.contexts?.[ENUM_ARRAY_CONSTRAINT] as { allowedValues?: readonly string[] } | undefined)?.allowedValues;
  if (!Array.isArray(error.value) || error.value.length === 0 || !allowed) return [{ path, problem: wholeArrayProblem }];
  const items: unknown[] = error.value;
  return items.flatMap((item, index) =>
    typeof item === 'string' && allowed.includes(item)
      ? []
      : [{ path: `${path}.${index}`, problem: `must be one of the following values: ${allowed.join(', ')}` }],
  );
}

const HIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** Paths of own `__proto__` / `constructor` keys (JSON.parse creates them as ordinary properties). */
function hiddenKeyPaths(value: unknown, parent = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const path = parent ? `${parent}.${key}` : key;
    const own = HIDDEN_KEYS.has(key) ? [path] : [];
    return [...own, ...hiddenKeyPaths((value as Record<string, unknown>)[key], path)];
  });
}

/** A plain JSON copy of a validated instance, without nulls and undefineds. */
function plainData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainData);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, item]) => item !== null && item !== undefined)
        .map(([key, item]) => [key, plainData(item)]),
    );
  }
  return value;
}
