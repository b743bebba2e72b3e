import type { RejectionReason } from '@accord/contracts';
import { isInForce, type AgreementRule, type VersionedAgreement } from './agreement';
import type { EventTypeCatalog } from './catalog';
import { compileCondition, type Condition, type ConditionContext, type ConditionFailure } from './condition';
import { agreementHonours, consentState, consentVerdict, decidingStatement, type ConsentStatement, type SubjectIdentifiers } from './consent';
import { decisionId } from './decision-id';
import { leafPaths, payloadDigest, project, pseudonymKey, type JsonObject, type Projection } from './project';

/** The reason codes of docs/contract.md, "Consent" and "Decision records and the audit chain", exactly as partners and auditors see them. */
export type WithheldReason = 'agreement-not-active' | 'condition-not-met' | 'no-consent' | 'objection' | 'national-opt-out';
export type SharedReason = 'permitted' | 'safeguarding-override' | 'objection' | 'national-opt-out';
/** A record refused before any candidate was evaluated: every reason the broker dead-letters with a decision row (a duplicate-id conflict records none). */
export type RejectedReason = Exclude<RejectionReason, 'duplicate-id-conflict'>;
export type DecisionReason = WithheldReason | SharedReason | RejectedReason;

export interface EventToEvaluate {
  /** The CloudEvents `ce_id`. */
  readonly id: string;
  readonly type: string;
  /** The publishing participant id (`southampton.adult-social-care`), not the `urn:accord:` source URI. */
  readonly source: string;
  /** The CloudEvents `ce_time`, RFC 3339; given to conditions as `event.time`. */
  readonly time: string;
  /** The validated event data: `{ subject: {...}, ...fields }`. */
  readonly data: JsonObject;
}

export interface Candidate {
  readonly agreement: VersionedAgreement;
  readonly recipient: string;
}

/**
 * Every candidate of an event (docs/contract.md, "Consent"): the latest version of each
 * agreement that is not `draft`, whose provider is the event's source and which has a
 * rule for its type, times each of its recipients. Suspended and expired agreements are
 * candidates on purpose: their decisions are recorded as `withheld:
 * agreement-not-active`. Ordered by agreement id, then recipient order in the agreement.
 */
export function candidatesFor(
  event: { readonly source: string; readonly type: string },
  agreements: Iterable<VersionedAgreement>,
): Candidate[] {
  const latest = new Map<string, VersionedAgreement>();
  for (const agreement of agreements) {
    const known = latest.get(agreement.id);
    if (!known || agreement.version > known.version) latest.set(agreement.id, agreement);
  }
  const candidates: Candidate[] = [];
  const ids = [...latest.keys()].sort();
  for (const id of ids) {
    const agreement = latest.get(id)!;
    if (agreement.status === 'draft' || agreement.provider !== event.source) continue;
    if (!agreement.rules.some((rule) => rule.eventType === event.type)) continue;
    for (const recipient of new Set(agreement.recipients)) candidates.push({ agreement, recipient });
  }
  return candidates;
}

export interface EvaluationInput {
  readonly event: EventToEvaluate;
  readonly agreement: VersionedAgreement;
  readonly recipient: string;
  /** The person's statements; those about someone else or in the future are ignored. */
  readonly consents: readonly ConsentStatement[];
  /** The moment of evaluation: every time-dependent rule uses it. */
  readonly now: Date;
  readonly catalog: EventTypeCatalog;
  /** The configured master key the per-agreement pseudonymisation keys derive from. */
  readonly pseudonymMasterKey: string | Uint8Array;
  /** Told of each rule condition that did not hold because it failed (error or over budget). */
  readonly onConditionFailure?: (failure: RuleConditionFailure) => void;
}

/** A rule's condition failed: it counted as not holding. Names the rule, never the data. */
export interface RuleConditionFailure extends ConditionFailure {
  readonly agreementId: string;
  readonly agreementVersion: number;
  /** Index in `agreement.rules`. */
  readonly rule: number;
}

export interface Decision {
  readonly decisionId: string;
  readonly eventId: string;
  readonly agreementId: string;
  readonly agreementVersion: number;
  readonly recipient: string;
  readonly purpose: string;
  readonly outcome: 'shared' | 'withheld';
  readonly reasons: readonly DecisionReason[];
  /** Index in `agreement.rules` of the rule whose condition held; absent when none was reached. */
  readonly rule?: number;
  /** Allow-listed paths present in the event and released (allow-list order); empty when withheld. */
  readonly fieldsReleased: readonly string[];
  /** Leaf paths of the event data that did not reach the recipient, sorted. */
  readonly fieldsWithheld: readonly string[];
  /** Ids of the deciding consent / opt-out statements at the steps that consulted them. */
  readonly consentRefs: readonly string[];
  /** The projected, transformed data; only when shared. */
  readonly released?: JsonObject;
  /** SHA-256 (hex) of the canonical JSON of `released`; only when shared. */
  readonly payloadDigest?: string;
}

interface CompiledRule {
  readonly index: number;
  readonly rule: AgreementRule;
  readonly condition: Condition | undefined;
}

/**
 * Rules per event type, compiled once per agreement version object. Conditions are also
 * cached by text in `compileCondition`, so rebuilding agreement objects costs a map
 * lookup per rule, never a recompilation.
 */
const compiledRules = new WeakMap<VersionedAgreement, ReadonlyMap<string, readonly CompiledRule[]>>();

function rulesFor(agreement: VersionedAgreement, eventType: string): readonly CompiledRule[] {
  let byType = compiledRules.get(agreement);
  if (!byType) {
    const built = new Map<string, CompiledRule[]>();
    agreement.rules.forEach((rule, index) => {
      const compiled = { index, rule, condition: rule.when === undefined ? undefined : compileCondition(rule.when) };
      const list = built.get(rule.eventType);
      if (list) list.push(compiled);
      else built.set(rule.eventType, [compiled]);
    });
    byType = built;
    compiledRules.set(agreement, byType);
  }
  return byType.get(eventType) ?? [];
}

/**
 * The leaf paths of an event's data, worked out once per event rather than once per
 * candidate (frozen, as every decision on the event shares the list). Event data is not
 * modified after validation.
 */
const leafPathCache = new WeakMap<JsonObject, readonly string[]>();
function leafPathsOf(data: JsonObject): readonly string[] {
  let paths = leafPathCache.get(data);
  if (!paths) {
    paths = Object.freeze(leafPaths(data));
    leafPathCache.set(data, paths);
  }
  return paths;
}

/**
 * Decides one candidate, following docs/contract.md, "Consent", exactly; the first deny wins:
 *
 * 1. status `active` and validFrom ≤ today (UTC) ≤ validUntil → else `agreement-not-active`
 * 2. the first rule for the type whose `when` holds → else `condition-not-met`
 * 3. basis `explicit` shares only when the winner is a `grant` → else `no-consent`
 *    (so a winning withdraw or object, or no statement at all, is `no-consent` here)
 * 4. basis `objection` and the winner is `object` or `withdraw` → `objection`. A winning
 *    `grant` under this basis means "no objection": it shares, which is how a specific
 *    grant beats a general objection.
 * 5. `nationalDataOptOut: applies`, the type is not exempt from the opt-out, and the
 *    person's latest opt-out statement is `national-opt-out` → `national-opt-out`
 * 6. otherwise shared: `permitted`
 *
 * Safeguarding override: with `safeguardingOverride: true` and a safeguarding event type,
 * steps 4 and 5 do not withhold; if either would have, the outcome is shared with
 * reasons `[safeguarding-override, objection?, national-opt-out?]`. It never touches
 * steps 1–3 nor the allow-list. Basis `none` consults no consent statements at all.
 */
export function evaluate(input: EvaluationInput): Decision {
  const { event, agreement, recipient, now, catalog } = input;
  const id = decisionId({ eventId: event.id, recipient, agreementId: agreement.id, agreementVersion: agreement.version });

  // Step 1: the agreement is in force.
  if (!isInForce(agreement, now)) return withheld(input, id, 'agreement-not-active', [], undefined);

  // Step 2: the first rule for the type whose condition holds.
  const chosen = chooseRule(event, agreement, input.onConditionFailure);
  if (!chosen) return withheld(input, id, 'condition-not-met', [], undefined);

  // An unknown type cannot be exempt from anything: no override, the opt-out applies.
  const eventType = catalog.get(event.type);
  const basis = agreement.consent.basis;
  const optOutConsulted = agreementHonours('national-opt-out', agreement.consent, eventType);
  const state =
    basis === 'none' && !optOutConsulted
      ? undefined
      : consentState(input.consents, {
          subject: (event.data.subject ?? {}) as SubjectIdentifiers,
          purpose: agreement.purpose.code,
          recipient,
          agreementId: agreement.id,
          now,
        });
  const winner = decidingStatement(basis, state);
  const verdict = consentVerdict(basis, winner);
  const consentRefs: string[] = [];
  if (winner) consentRefs.push(winner.id);

  // Step 3: explicit consent needs a winning grant.
  if (verdict === 'no-consent') return withheld(input, id, 'no-consent', consentRefs, chosen.index);

  // Steps 4 and 5. Under the override neither withholds, and every deny it set aside is named.
  const override = agreement.consent.safeguardingOverride && eventType?.safeguarding === true;
  const objected = verdict === 'objection';
  if (objected && !override) return withheld(input, id, 'objection', consentRefs, chosen.index);
  if (optOutConsulted && state?.optOutWinner) consentRefs.push(state.optOutWinner.id);
  const optedOut = optOutConsulted && state?.nationallyOptedOut === true;
  if (optedOut && !override) return withheld(input, id, 'national-opt-out', consentRefs, chosen.index);
  const overridden: SharedReason[] = [];
  if (objected || optedOut) {
    overridden.push('safeguarding-override');
    if (objected) overridden.push('objection');
    if (optedOut) overridden.push('national-opt-out');
  }

  // Step 6: shared, exactly the allow-list.
  const projection = releaseUnder(event, agreement, chosen.rule, input.pseudonymMasterKey);
  return {
    decisionId: id,
    eventId: event.id,
    agreementId: agreement.id,
    agreementVersion: agreement.version,
    recipient,
    purpose: agreement.purpose.code,
    outcome: 'shared',
    reasons: overridden.length > 0 ? overridden : ['permitted'],
    rule: chosen.index,
    fieldsReleased: projection.fieldsReleased,
    fieldsWithheld: notReleased(leafPathsOf(event.data), projection),
    consentRefs,
    released: projection.released,
    payloadDigest: projection.payloadDigest,
  };
}

/** A withheld decision: nothing released, every leaf path of the data withheld. */
function withheld(input: EvaluationInput, id: string, reason: WithheldReason, consentRefs: readonly string[], rule: number | undefined): Decision {
  const { event, agreement, recipient } = input;
  // Two literals rather than a spread: `rule` is present only when a rule was reached.
  return rule === undefined
    ? {
        decisionId: id,
        eventId: event.id,
        agreementId: agreement.id,
        agreementVersion: agreement.version,
        recipient,
        purpose: agreement.purpose.code,
        outcome: 'withheld',
        reasons: [reason],
        fieldsReleased: [],
        fieldsWithheld: leafPathsOf(event.data),
        consentRefs,
      }
    : {
        decisionId: id,
        eventId: event.id,
        agreementId: agreement.id,
        agreementVersion: agreement.version,
        recipient,
        purpose: agreement.purpose.code,
        outcome: 'withheld',
        reasons: [reason],
        rule,
        fieldsReleased: [],
        fieldsWithheld: leafPathsOf(event.data),
        consentRefs,
      };
}

/** The leaf paths that did not reach the recipient: not covered by a released path, or held back untransformable. */
function notReleased(leafPaths: readonly string[], projection: Projection): string[] {
  const withheldPaths: string[] = [];
  for (let i = 0; i < leafPaths.length; i++) {
    const path = leafPaths[i]!;
    if (!isCovered(path, projection.fieldsReleased) || isCovered(path, projection.fieldsNotTransformable)) withheldPaths.push(path);
  }
  return withheldPaths;
}

/** The rule an event is decided under, and its index in `agreement.rules`. */
export interface ChosenRule {
  readonly index: number;
  readonly rule: AgreementRule;
}

/**
 * docs/contract.md, "Consent", evaluation step 2: the first of the agreement's rules for
 * the event's type whose condition holds (a rule without one always holds); undefined when
 * none does. A condition that fails (error or over budget) does not hold, and
 * `onConditionFailure` is told.
 */
export function chooseRule(
  event: EventToEvaluate,
  agreement: VersionedAgreement,
  onConditionFailure?: (failure: RuleConditionFailure) => void,
): ChosenRule | undefined {
  const context: ConditionContext = {
    data: event.data,
    event: { type: event.type, source: event.source, time: event.time },
  };
  return rulesFor(agreement, event.type).find(
    (compiled) =>
      compiled.condition === undefined ||
      compiled.condition(
        context,
        onConditionFailure &&
          ((failure) => onConditionFailure({ agreementId: agreement.id, agreementVersion: agreement.version, rule: compiled.index, ...failure })),
      ),
  );
}

/** What a rule releases, with the digest the audit log records of it. */
export interface Release extends Projection {
  readonly payloadDigest: string;
}

/** The release projection (docs/contract.md, "Consent": release): the rule's allow-list and transforms, pseudonyms under the agreement's own key. */
export function releaseUnder(event: EventToEvaluate, agreement: VersionedAgreement, rule: AgreementRule, pseudonymMasterKey: string | Uint8Array): Release {
  const projection = project(event.data, rule.fields, rule.transforms, pseudonymKey(pseudonymMasterKey, agreement.id));
  return { ...projection, payloadDigest: payloadDigest(projection.released) };
}

/**
 * What an agreement version releases of an event, for delivering a decision recorded
 * earlier: the rule `evaluate` chooses, projected as `evaluate` projects it. Consent is not
 * re-evaluated: the recorded decision stands. Undefined when no rule holds any more.
 */
export function releaseFor(event: EventToEvaluate, agreement: VersionedAgreement, pseudonymMasterKey: string | Uint8Array): Release | undefined {
  const chosen = chooseRule(event, agreement);
  return chosen && releaseUnder(event, agreement, chosen.rule, pseudonymMasterKey);
}

/** A data path reached the recipient when it or one of its parents was released. */
function isCovered(path: string, released: readonly string[]): boolean {
  for (let i = 0; i < released.length; i++) {
    const allowed = released[i]!;
    // `path.startsWith(allowed + '.')`, without building that string per pair.
    if (path === allowed || (path.length > allowed.length && path.charCodeAt(allowed.length) === 0x2e && path.startsWith(allowed))) return true;
  }
  return false;
}
