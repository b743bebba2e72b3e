import {
  CONSENT_CHANGES_TOPIC,
  CONSENT_NOTICE_TYPE,
  HEADERS,
  inboxTopic,
  JSON_CONTENT_TYPE,
  SPEC_VERSION,
  type ConsentNoticeRecord,
} from '@accord/contracts';
import {
  agreementHonours,
  consentState,
  isDecidingStatement,
  uuidV5,
  type ConsentKind,
  type ConsentSettings,
  type ConsentStatement,
  type EventTypeCatalog,
  type SubjectIdentifiers,
} from '@accord/governance';
import type { OutboxMessage } from '@accord/kafka';

/*
 * What the hub publishes when a statement is recorded (docs/architecture.md, "Guarantees",
 * 6; docs/contract.md, "Consent notices"): a consent-change record for the broker's cache,
 * and a notice to each recipient that already received the person's data under a scope the
 * statement now withholds. Neither carries an NHS or NI number: the change names the person
 * by keyed hash, the notice by the event ids the recipient already holds.
 */

export const CONSENT_CHANGE_TYPE = 'accord.consent.changed.v1';
/** The hub is not a participant; its records say so rather than borrowing a participant's source. */
export const HUB_SOURCE = 'urn:accord:hub';


export interface RecordedStatement {
  id: string;
  kind: ConsentKind;
  scope: { purpose: string | null; recipient: string | null; agreementId: string | null };
  effectiveFrom: Date;
  recordedAt: Date;
  recordedSeq: number;
}

/** A `shared` decision about the person, with the consent settings of the agreement version it was made under. */
export interface SharedDecision {
  eventId: string;
  eventType: string | null;
  recipient: string;
  agreementId: string;
  agreementVersion: number;
  purpose: string;
  /** `consent` of that version's document; null when the version cannot be found (then the notice is sent). */
  consent: ConsentSettings | null;
}

export interface ConsentNotice {
  recipient: string;
  affected: Array<{ agreementId: string; purpose: string; eventIds: string[] }>;
}

/**
 * The recipients to notify. A past `shared` decision is affected when, from the moment the
 * statement takes effect, the statement is the one that decides for that decision's
 * (purpose, recipient, agreement) — so a general objection under a more specific grant
 * notifies nobody — and the agreement honours it: any consent basis but `none` for
 * withdraw/object; `nationalDataOptOut: applies` and a type not exempt for the opt-out.
 */
export function consentNotices(input: {
  statement: RecordedStatement;
  subject: SubjectIdentifiers;
  /** Every statement about the person, the new one included. */
  statements: readonly ConsentStatement[];
  decisions: readonly SharedDecision[];
  now: Date;
  catalog: EventTypeCatalog;
}): ConsentNotice[] {
  const { statement, subject, statements, catalog } = input;
  const at = new Date(Math.max(input.now.getTime(), statement.effectiveFrom.getTime()));
  const decides = new Map<string, boolean>();
  const byRecipient = new Map<string, Map<string, { agreementId: string; purpose: string; eventIds: Set<string> }>>();
  for (const decision of input.decisions) {
    if (!agreementHonours(statement.kind, decision.consent, decision.eventType === null ? undefined : catalog.get(decision.eventType))) continue;
    const scopeKey = JSON.stringify([decision.purpose, decision.recipient, decision.agreementId]);
    let affected = decides.get(scopeKey);
    if (affected === undefined) {
      const state = consentState(statements, {
        subject,
        purpose: decision.purpose,
        recipient: decision.recipient,
        agreementId: decision.agreementId,
        now: at,
      });
      affected = isDecidingStatement(statement, state);
      decides.set(scopeKey, affected);
    }
    if (!affected) continue;
    const agreements = byRecipient.get(decision.recipient) ?? new Map();
    byRecipient.set(decision.recipient, agreements);
    const groupKey = JSON.stringify([decision.agreementId, decision.purpose]);
    const group = agreements.get(groupKey) ?? { agreementId: decision.agreementId, purpose: decision.purpose, eventIds: new Set<string>() };
    agreements.set(groupKey, group);
    group.eventIds.add(decision.eventId);
  }
  return [...byRecipient].map(([recipient, agreements]) => ({
    recipient,
    affected: [...agreements.values()].map((group) => ({ agreementId: group.agreementId, purpose: group.purpose, eventIds: [...group.eventIds] })),
  }));
}

const scopeOf = (statement: RecordedStatement) => ({ ...statement.scope });

function headers(id: string, type: string, time: Date): Record<string, string> {
  return {
    [HEADERS.specVersion]: SPEC_VERSION,
    [HEADERS.id]: id,
    [HEADERS.source]: HUB_SOURCE,
    [HEADERS.type]: type,
    [HEADERS.time]: time.toISOString(),
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
  };
}

/**
 * The `accord.consent.changes` record: keyed by the statement id (never an identifier), naming
 * the person by keyed hash only. `subjectKey` follows the audit log's convention (the NHS
 * number's key when there is one); `subjectKeys` has each.
 */
export function consentChangeMessage(statement: RecordedStatement, keys: { nhsNumber?: string; niNumber?: string }): OutboxMessage {
  const value = {
    statementId: statement.id,
    kind: statement.kind,
    scope: scopeOf(statement),
    effectiveFrom: statement.effectiveFrom.toISOString(),
    recordedAt: statement.recordedAt.toISOString(),
    recordedSeq: statement.recordedSeq,
    subjectKey: keys.nhsNumber ?? keys.niNumber ?? null,
    subjectKeys: { nhsNumber: keys.nhsNumber ?? null, niNumber: keys.niNumber ?? null },
  };
  return {
    eventId: statement.id,
    topic: CONSENT_CHANGES_TOPIC,
    key: statement.id,
    headers: headers(statement.id, CONSENT_CHANGE_TYPE, statement.recordedAt),
    value: JSON.stringify(value),
  };
}

/** The notice's id is derived from the statement and recipient, so a republished notice is recognisably the same one. */
export function noticeId(statementId: string, recipient: string): string {
  return uuidV5(JSON.stringify(['consent-notice', statementId, recipient]));
}

/** One record on the recipient's inbox topic: which of the events it holds the statement now covers. */
export function consentNoticeMessage(statement: RecordedStatement, notice: ConsentNotice, truncated: boolean): OutboxMessage {
  const id = noticeId(statement.id, notice.recipient);
  const value: ConsentNoticeRecord = {
    noticeId: id,
    statementId: statement.id,
    kind: statement.kind,
    scope: scopeOf(statement),
    effectiveFrom: statement.effectiveFrom.toISOString(),
    recordedAt: statement.recordedAt.toISOString(),
    affected: notice.affected,
    ...(truncated ? { truncated: true } : {}),
  };
  return {
    eventId: id,
    topic: inboxTopic(notice.recipient),
    key: statement.id,
    headers: headers(id, CONSENT_NOTICE_TYPE, statement.recordedAt),
    value: JSON.stringify(value),
  };
}
