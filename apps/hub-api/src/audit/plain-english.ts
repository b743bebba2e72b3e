import type { ChainedDecision, LawfulBasis } from '@accord/audit-chain';
import type { DecisionReason } from '@accord/governance';

/*
 * The words of the subject access report: each decision explained for the person it is
 * about, and for the IG officer answering them. Pure functions over the decision row and
 * the agreement version it names; nothing here sees personal data (the rows hold none).
 */

/** Every reason a decision row can give (the compiler holds this to DecisionReason), in plain English. */
const REASON_EXPLANATIONS: Readonly<Record<DecisionReason, string>> = {
  permitted:
    'The agreement was in force, the record met its conditions, and nothing recorded about the person’s consent, objections or opt-outs prevented sharing.',
  'safeguarding-override':
    'Shared although the person had objected or opted out, because this is a safeguarding record and the agreement allows safeguarding to override.',
  objection: 'The person had objected to this sharing (or withdrawn their consent to it).',
  'national-opt-out': 'The person had registered a national data opt-out, which this agreement respects.',
  'agreement-not-active': 'The agreement was not in force at the time (suspended, not yet started or expired), so nothing was shared.',
  'condition-not-met': 'The record did not meet the conditions the agreement sets for sharing this kind of record.',
  'no-consent': 'This agreement needs the person’s explicit consent, and no consent covering it was in place.',
  'invalid-envelope': 'The record was rejected before any sharing: its message envelope was malformed.',
  'invalid-payload': 'The record was rejected before any sharing: its content did not match the published format.',
  'unknown-event-type': 'The record was rejected before any sharing: it was of a type the hub does not know.',
  'invalid-identifier': 'The record was rejected before any sharing: it carried an invalid NHS or National Insurance number.',
  unprocessable: 'The record was rejected before any sharing: the hub could not process it (for example, it was too large or too deeply nested).',
};

export const DECISION_REASONS = Object.keys(REASON_EXPLANATIONS);

/** A reason code in plain English; undefined for a code this hub does not know. */
export function explainReason(code: string): string | undefined {
  return Object.hasOwn(REASON_EXPLANATIONS, code) ? REASON_EXPLANATIONS[code as DecisionReason] : undefined;
}

const ARTICLE6: Readonly<Record<string, string>> = {
  consent: 'UK GDPR Article 6(1)(a): the person’s consent',
  contract: 'UK GDPR Article 6(1)(b): a contract with the person',
  'legal-obligation': 'UK GDPR Article 6(1)(c): a legal obligation',
  'vital-interests': 'UK GDPR Article 6(1)(d): protecting someone’s vital interests',
  'public-task': 'UK GDPR Article 6(1)(e): a task carried out in the public interest or in official authority',
  'legitimate-interests': 'UK GDPR Article 6(1)(f): legitimate interests',
};

const ARTICLE9: Readonly<Record<string, string>> = {
  'explicit-consent': 'Article 9(2)(a): the person’s explicit consent',
  'vital-interests': 'Article 9(2)(c): protecting someone’s vital interests',
  'legal-claims': 'Article 9(2)(f): legal claims',
  'substantial-public-interest': 'Article 9(2)(g): substantial public interest',
  'health-social-care': 'Article 9(2)(h): health or social care',
  'public-health': 'Article 9(2)(i): public health',
};

/** The agreement version a decision names, as stored in `agreement_versions.document`. */
export interface AgreementVersionSummary {
  title: string | null;
  purposeDescription: string | null;
}

export function lawfulBasisInWords(basis: LawfulBasis | null): string | null {
  if (!basis) return null;
  const parts = [ARTICLE6[basis.article6] ?? `UK GDPR Article 6 basis "${basis.article6}"`];
  if (basis.article9) parts.push(`for special category data, ${ARTICLE9[basis.article9] ?? `Article 9 condition "${basis.article9}"`}`);
  if (basis.legislation.length > 0) parts.push(`under ${listInWords(basis.legislation)}`);
  return parts.join('; ');
}

/** A UTC time as the audit log writes it (or with microseconds, as an edit below the millisecond shows). */
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * `2026-04-01T09:30:00.000Z` → `1 April 2026 at 09:30 UTC`. A value that is not a time (a
 * decision time edited to one the writer never writes, which the audit reads show as
 * stored, such as `infinity`) is `an unreadable date (stored as "infinity")`, never written
 * as another date.
 */
export function dateInWords(isoTimestamp: string): string {
  const date = new Date(isoTimestamp);
  if (!RFC3339_UTC.test(isoTimestamp) || Number.isNaN(date.getTime())) return `an unreadable date (stored as "${isoTimestamp}")`;
  const time = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} at ${time} UTC`;
}

/**
 * The sentence a subject report limited to one participant ends with, so that a report
 * handed on does not read as everything the hub decided about the person.
 */
export function scopeInWords(participant: string, name: string | undefined): string {
  return (
    `This report is limited to ${name ? `${name} (${participant})` : participant}: it covers only decisions where ` +
    `${participant} is the source or the recipient, and leaves out any decision about this person between other participants.`
  );
}

function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function fieldsInWords(fields: readonly string[]): string {
  if (fields.length === 0) return 'none';
  return listInWords(fields);
}

export interface ExplanationContext {
  agreement: AgreementVersionSummary | undefined;
  /** Display name of a participant id, when registered. */
  participantName: (id: string) => string | undefined;
  /** Description of an event type from the catalogue. */
  eventTypeDescription: (type: string) => string | undefined;
}

/** One paragraph explaining a decision: who received (or did not receive) what, when, under which agreement, and why. */
export function explainDecision(decision: ChainedDecision, context: ExplanationContext): string {
  const who = (id: string | null) => {
    if (!id) return 'an unknown participant';
    const name = context.participantName(id);
    return name ? `${name} (${id})` : id;
  };
  const description = decision.eventType ? context.eventTypeDescription(decision.eventType) : undefined;
  const record = decision.eventType
    ? `a record of type ${decision.eventType}${description ? ` (${description})` : ''}`
    : 'a record';
  const when = dateInWords(decision.decidedAt);
  const reasons = decision.reasons.map((code) => explainReason(code) ?? `Reason: ${code}.`).join(' ');

  if (decision.outcome === 'rejected') {
    return `On ${when}, ${record} from ${who(decision.source)} was rejected and shared with no one. ${reasons}`;
  }
  const agreementTitle = context.agreement?.title;
  const under = !decision.agreementId
    ? 'under no agreement'
    : agreementTitle
      ? `under the agreement “${agreementTitle}” (${decision.agreementId}, version ${decision.agreementVersion})`
      : `under agreement ${decision.agreementId}, version ${decision.agreementVersion} (a version not found in the agreement register)`;
  const purposeDescription = context.agreement?.purposeDescription;
  const purpose = !decision.purpose
    ? ''
    : purposeDescription
      ? ` for the purpose “${purposeDescription}” (${decision.purpose})`
      : ` for the purpose ${decision.purpose}`;
  const basis = lawfulBasisInWords(decision.lawfulBasis);
  if (decision.outcome === 'shared') {
    return (
      `On ${when}, ${record} from ${who(decision.source)} was shared with ${who(decision.recipient)} ${under}${purpose}` +
      `${basis ? `, relying on ${basis}` : ''}. ` +
      `Fields released: ${fieldsInWords(decision.fieldsReleased)}. Fields not released: ${fieldsInWords(decision.fieldsWithheld)}. ${reasons}`
    );
  }
  return (
    `On ${when}, ${record} from ${who(decision.source)} was considered for ${who(decision.recipient)} ${under}${purpose}` +
    `${basis ? ` (lawful basis: ${basis})` : ''}, and withheld: nothing was sent. ${reasons}`
  );
}
