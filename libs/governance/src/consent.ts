import { normaliseNhsNumber, normaliseNiNumber, RESTRICTIVE_CONSENT_KINDS } from '@accord/contracts';
import type { ConsentBasis } from './agreement';
import type { CatalogEventType } from './catalog';

/**
 * Consent, objection and national data opt-out statements, the precedence rules of
 * docs/contract.md, "Consent", that pick the one statement that decides, and what an
 * agreement's consent settings make of it: the rules `evaluate`, the consent registry
 * and its notices share.
 */

export { normaliseNhsNumber, normaliseNiNumber };

export const CONSENT_KINDS = ['grant', 'withdraw', 'object', 'national-opt-out', 'national-opt-out-removed'] as const;
export type ConsentKind = (typeof CONSENT_KINDS)[number];

export type OptOutKind = 'national-opt-out' | 'national-opt-out-removed';

/** The national data opt-out kinds: they concern every purpose and recipient, so they have no scope. */
export const OPT_OUT_KINDS: readonly OptOutKind[] = ['national-opt-out', 'national-opt-out-removed'];

export function isOptOutKind(kind: string): kind is OptOutKind {
  return (OPT_OUT_KINDS as readonly string[]).includes(kind);
}

/** The scope a statement is recorded with: as requested for the scoped kinds, none at all for the opt-out kinds. */
export function recordedScope(
  kind: ConsentKind,
  requested: ConsentScope | null | undefined,
): { purpose: string | null; recipient: string | null; agreementId: string | null } {
  if (isOptOutKind(kind)) return { purpose: null, recipient: null, agreementId: null };
  return { purpose: requested?.purpose ?? null, recipient: requested?.recipient ?? null, agreementId: requested?.agreementId ?? null };
}

export interface SubjectIdentifiers {
  readonly nhsNumber?: string | null;
  readonly niNumber?: string | null;
}

export interface ConsentScope {
  /** Unset (absent or null) matches any purpose, recipient or agreement. */
  readonly purpose?: string | null;
  readonly recipient?: string | null;
  readonly agreementId?: string | null;
}

export interface ConsentStatement {
  readonly id: string;
  readonly subject: SubjectIdentifiers;
  readonly kind: ConsentKind;
  /** Ignored for the national opt-out kinds, which have no scope. */
  readonly scope: ConsentScope;
  readonly effectiveFrom: Date | string;
  readonly recordedAt: Date | string;
  /** The registry's insertion order, to break ties between statements recorded in the same millisecond. */
  readonly recordedSeq?: number;
}

/** The decision a statement is matched against. */
export interface ConsentQuery {
  readonly subject: SubjectIdentifiers;
  readonly purpose: string;
  readonly recipient: string;
  readonly agreementId: string;
  readonly now: Date;
}

interface NormalisedSubject {
  readonly nhsNumber: string | undefined;
  readonly niNumber: string | undefined;
}

function normaliseSubject(subject: SubjectIdentifiers | null | undefined): NormalisedSubject {
  const nhs = subject?.nhsNumber;
  const ni = subject?.niNumber;
  return {
    nhsNumber: typeof nhs === 'string' && nhs.trim() !== '' ? normaliseNhsNumber(nhs) : undefined,
    niNumber: typeof ni === 'string' && ni.trim() !== '' ? normaliseNiNumber(ni) : undefined,
  };
}

/** A statement is about the person when any identifier it names equals the event subject's. */
function isAbout(statement: ConsentStatement, person: NormalisedSubject): boolean {
  const named = normaliseSubject(statement.subject);
  return (
    (named.nhsNumber !== undefined && named.nhsNumber === person.nhsNumber) ||
    (named.niNumber !== undefined && named.niNumber === person.niNumber)
  );
}

const isSet = (value: string | null | undefined): value is string => value !== undefined && value !== null;

function scopeKeysSet(scope: ConsentScope | null | undefined): number {
  return (isSet(scope?.purpose) ? 1 : 0) + (isSet(scope?.recipient) ? 1 : 0) + (isSet(scope?.agreementId) ? 1 : 0);
}

function scopeMatches(scope: ConsentScope | null | undefined, query: ConsentQuery): boolean {
  return (
    (!isSet(scope?.purpose) || scope.purpose === query.purpose) &&
    (!isSet(scope?.recipient) || scope.recipient === query.recipient) &&
    (!isSet(scope?.agreementId) || scope.agreementId === query.agreementId)
  );
}

/**
 * Milliseconds since the epoch. A statement with an unreadable time is a registry
 * fault; throwing makes the broker pause rather than guess (fail closed).
 */
function instant(value: Date | string, what: string, statementId: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (!Number.isFinite(time)) throw new InvalidConsentStatement(statementId, `${what} is not a valid time`);
  return time;
}

export class InvalidConsentStatement extends Error {
  readonly code = 'consent-statement-invalid';
  constructor(
    readonly statementId: string,
    problem: string,
  ) {
    super(`Consent statement ${statementId}: ${problem}`);
    this.name = 'InvalidConsentStatement';
  }
}

interface Ranked {
  readonly statement: ConsentStatement;
  readonly specificity: number;
  readonly effectiveFrom: number;
  readonly recordedAt: number;
}

const RESTRICTIVE: ReadonlySet<string> = new Set(RESTRICTIVE_CONSENT_KINDS);

/**
 * Positive when `a` beats `b`: more scope keys set, then later `effectiveFrom`, then later
 * recording (`recordedAt`, then `recordedSeq`). Beyond the contract, a complete tie goes to
 * the restrictive statement (fail closed) and then to the greater id, so the winner never
 * depends on the order the registry returned the statements in.
 */
function compare(a: Ranked, b: Ranked): number {
  return (
    a.specificity - b.specificity ||
    a.effectiveFrom - b.effectiveFrom ||
    a.recordedAt - b.recordedAt ||
    (a.statement.recordedSeq ?? -1) - (b.statement.recordedSeq ?? -1) ||
    Number(RESTRICTIVE.has(a.statement.kind)) - Number(RESTRICTIVE.has(b.statement.kind)) ||
    (a.statement.id > b.statement.id ? 1 : a.statement.id < b.statement.id ? -1 : 0)
  );
}

export interface ConsentState {
  /** The deciding `grant | withdraw | object` statement for this decision's scope, if any. */
  readonly winner: ConsentStatement | undefined;
  /** The deciding `national-opt-out | national-opt-out-removed` statement, if any. */
  readonly optOutWinner: ConsentStatement | undefined;
  /** True when the person's latest national data opt-out statement is an opt-out. */
  readonly nationallyOptedOut: boolean;
}

/**
 * Applies docs/contract.md, "Consent", to a person's statements for one decision: only
 * statements about the person, effective at or before `now`, count; scoped kinds must
 * match the decision's scope; the national opt-out kinds ignore scope and the later one
 * decides.
 */
export function consentState(statements: readonly ConsentStatement[], query: ConsentQuery): ConsentState {
  const person = normaliseSubject(query.subject);
  const now = query.now.getTime();
  let winner: Ranked | undefined;
  let optOutWinner: Ranked | undefined;
  if (person.nhsNumber === undefined && person.niNumber === undefined) {
    return { winner: undefined, optOutWinner: undefined, nationallyOptedOut: false };
  }
  for (const statement of statements) {
    if (!isAbout(statement, person)) continue;
    const effectiveFrom = instant(statement.effectiveFrom, 'effectiveFrom', statement.id);
    // Future-dated statements do not count yet (and `now` being invalid means none count).
    if (!(effectiveFrom <= now)) continue;
    const recordedAt = instant(statement.recordedAt, 'recordedAt', statement.id);
    if (statement.kind === 'national-opt-out' || statement.kind === 'national-opt-out-removed') {
      const ranked: Ranked = { statement, specificity: 0, effectiveFrom, recordedAt };
      if (!optOutWinner || compare(ranked, optOutWinner) > 0) optOutWinner = ranked;
      continue;
    }
    if (statement.kind !== 'grant' && statement.kind !== 'withdraw' && statement.kind !== 'object') {
      throw new InvalidConsentStatement(statement.id, 'kind is not a known consent kind');
    }
    if (!scopeMatches(statement.scope, query)) continue;
    const ranked: Ranked = { statement, specificity: scopeKeysSet(statement.scope), effectiveFrom, recordedAt };
    if (!winner || compare(ranked, winner) > 0) winner = ranked;
  }
  return {
    winner: winner?.statement,
    optOutWinner: optOutWinner?.statement,
    nationallyOptedOut: optOutWinner?.statement.kind === 'national-opt-out',
  };
}

/** Whether `statement` is the one that decides in `state`: among the opt-out statements for an opt-out kind, within the scope otherwise. */
export function isDecidingStatement(statement: { readonly id: string; readonly kind: ConsentKind }, state: ConsentState): boolean {
  const winner = isOptOutKind(statement.kind) ? state.optOutWinner : state.winner;
  return winner !== undefined && winner.id === statement.id;
}

/** The scoped statement an agreement's consent basis is decided by: none under basis `none`, which consults no statement. */
export function decidingStatement(basis: ConsentBasis, state: ConsentState | undefined): ConsentStatement | undefined {
  return basis === 'none' ? undefined : state?.winner;
}

/**
 * What the consent basis makes of the deciding scoped statement (docs/contract.md,
 * "Consent", evaluation steps 3 and 4): `explicit` permits only on a grant (`no-consent`
 * otherwise, a withdraw or object included); `objection` is withheld by an object or a
 * withdraw (`objection`), a grant or no statement being "no objection"; `none` always
 * permits. The safeguarding override, which may set an objection aside, is `evaluate`'s.
 */
export type ConsentVerdict = 'permits' | 'no-consent' | 'objection';

export function consentVerdict(basis: ConsentBasis, deciding: ConsentStatement | undefined): ConsentVerdict {
  if (basis === 'explicit') return deciding?.kind === 'grant' ? 'permits' : 'no-consent';
  if (basis === 'objection' && (deciding?.kind === 'object' || deciding?.kind === 'withdraw')) return 'objection';
  return 'permits';
}

/** An agreement version's consent settings as its stored document gives them; a setting may be unknown. */
export interface ConsentSettings {
  readonly basis?: string;
  readonly nationalDataOptOut?: string;
}

/**
 * Whether an agreement honours a statement of this kind for an event of this type, i.e.
 * whether the statement can withhold anything under it: a withdraw or object under any basis
 * but `none`; an opt-out where `nationalDataOptOut` applies and the type is not exempt from
 * the opt-out (an unknown type is exempt from nothing). A setting that is unknown honours
 * the statement: a recipient is told to stop rather than left using what it should not.
 */
export function agreementHonours(kind: ConsentKind, consent: ConsentSettings | null | undefined, eventType: CatalogEventType | undefined): boolean {
  if (isOptOutKind(kind)) {
    if (eventType?.nationalOptOutNeverApplies === true) return false;
    return consent?.nationalDataOptOut === undefined || consent.nationalDataOptOut === 'applies';
  }
  return consent?.basis === undefined || consent.basis !== 'none';
}
