/**
 * The data-sharing agreement of docs/contract.md, "Agreements", as types. An
 * `Agreement` is what `validateAgreement` returns; nothing else should construct one
 * from untrusted input.
 */

export const AGREEMENT_STATUSES = ['draft', 'active', 'suspended'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

export const ARTICLE6_BASES = [
  'consent',
  'contract',
  'legal-obligation',
  'vital-interests',
  'public-task',
  'legitimate-interests',
] as const;
export type Article6Basis = (typeof ARTICLE6_BASES)[number];

export const ARTICLE9_CONDITIONS = [
  'explicit-consent',
  'health-social-care',
  'public-health',
  'substantial-public-interest',
  'vital-interests',
  'legal-claims',
] as const;
export type Article9Condition = (typeof ARTICLE9_CONDITIONS)[number];

export const CONSENT_BASES = ['none', 'explicit', 'objection'] as const;
export type ConsentBasis = (typeof CONSENT_BASES)[number];

export const NATIONAL_OPT_OUT_SETTINGS = ['applies', 'exempt'] as const;
export type NationalOptOutSetting = (typeof NATIONAL_OPT_OUT_SETTINGS)[number];

export const TRANSFORM_NAMES = ['pseudonymise', 'year-only', 'postcode-district'] as const;
export type TransformName = (typeof TRANSFORM_NAMES)[number];

export interface AgreementRule {
  readonly eventType: string;
  /** CEL over `data` and `event`; absent means the rule always holds. */
  readonly when?: string;
  /** The allow-list: paths relative to the event data. Nothing else is ever released. */
  readonly fields: readonly string[];
  /** Keyed by a path that is also in `fields`. */
  readonly transforms?: Readonly<Record<string, TransformName>>;
}

export interface Agreement {
  readonly id: string;
  readonly title: string;
  readonly status: AgreementStatus;
  /** The participant whose events the agreement covers. */
  readonly provider: string;
  readonly recipients: readonly string[];
  readonly purpose: { readonly code: string; readonly description: string };
  readonly lawfulBasis: {
    readonly article6: Article6Basis;
    readonly article9: Article9Condition | null;
    readonly legislation: readonly string[];
  };
  /** ISO calendar dates (`2026-04-01`); the agreement is in force on both days, whole UTC days. */
  readonly validFrom: string;
  readonly validUntil: string;
  readonly reviewBy: string;
  readonly consent: {
    readonly basis: ConsentBasis;
    readonly nationalDataOptOut: NationalOptOutSetting;
    readonly safeguardingOverride: boolean;
  };
  /** How long the recipient may keep what it receives. */
  readonly retention: { readonly days: number };
  readonly rules: readonly AgreementRule[];
}

/** One immutable version of an agreement, as stored by the hub; decisions name it. */
export interface VersionedAgreement extends Agreement {
  readonly version: number;
}

export const AGREEMENT_ID = /^[a-z0-9-]+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (so `2026-02-30` is not one). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * Whether the agreement is in force at `now`: status `active` and `validFrom` ≤ the UTC
 * calendar day of `now` ≤ `validUntil`. Both dates are inclusive whole days in UTC, so an
 * agreement valid until 2028-03-31 still shares at 2028-03-31T23:59:59.999Z. UTC (not UK
 * local time) keeps every broker instance in agreement regardless of its time zone.
 */
export function isInForce(agreement: Agreement, now: Date): boolean {
  if (agreement.status !== 'active') return false;
  const today = utcDay(now);
  // ISO dates compare correctly as strings.
  return agreement.validFrom <= today && today <= agreement.validUntil;
}

/** `YYYY-MM-DD` of the instant in UTC; an invalid Date yields a value outside every range. */
export function utcDay(instant: Date): string {
  const time = instant.getTime();
  if (!Number.isFinite(time)) return '';
  return instant.toISOString().slice(0, 10);
}
