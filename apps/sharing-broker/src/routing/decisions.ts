import {
  candidatesFor,
  evaluate,
  subjectKey,
  subjectKeys,
  type ConsentStatement,
  type Decision,
  type EventTypeCatalog,
  type RuleConditionFailure,
  type VersionedAgreement,
} from '@accord/governance';
import type { DecisionToAppend, RecordedDecision } from '@accord/persistence';
import type { AcceptedEvent, RejectedRecord } from './inspect';

/** What the audit log already says about a decision (enough to deliver it again). */
export type { RecordedDecision };

/*
 * From evaluated candidates to audit rows, and the choice, per event, between recording
 * new decisions and honouring decisions already recorded (a redelivery after a crash).
 * Pure: the caller supplies the agreements, consents, clock and recorded rows.
 */

/** A fresh decision on one candidate, with the agreement version that made it. */
export interface EvaluatedDecision {
  decision: Decision;
  agreement: VersionedAgreement;
  row: DecisionToAppend;
}

export interface EvaluationSettings {
  catalog: EventTypeCatalog;
  pseudonymMasterKey: string;
  subjectKeySecret: string;
  /** Told when a rule's condition failed or ran over its budget (and counted as not holding). */
  onConditionFailure?: (failure: RuleConditionFailure) => void;
}

/**
 * The candidates of each event, from the agreements of its provider: worked out once per
 * provider and event type in the batch (the agreements cannot change within it), and
 * shared, read-only, by the events of that type.
 */
export function candidatesOf(
  events: readonly AcceptedEvent[],
  agreementsOf: (provider: string) => readonly VersionedAgreement[],
): ReadonlyArray<ReturnType<typeof candidatesFor>> {
  const known = new Map<string, ReturnType<typeof candidatesFor>>();
  return events.map(({ event }) => {
    const key = `${event.source}\u0000${event.type}`;
    let candidates = known.get(key);
    if (!candidates) {
      candidates = candidatesFor(event, agreementsOf(event.source));
      known.set(key, candidates);
    }
    return candidates;
  });
}

/**
 * Evaluates every candidate of every event at one moment, `now`. `subjectKeysOf[i]`, when
 * given, is `subjectKeys(events[i].subject, settings.subjectKeySecret)` already worked out.
 * An event whose evaluation throws gets `null` (the caller dead-letters it as
 * `unprocessable`): it costs that event, never the others of the batch.
 */
export function evaluateEvents(
  events: readonly AcceptedEvent[],
  candidates: ReturnType<typeof candidatesOf>,
  consents: readonly (readonly ConsentStatement[])[],
  now: Date,
  settings: EvaluationSettings,
  subjectKeysOf?: readonly { nhsNumber?: string; niNumber?: string }[],
): Array<EvaluatedDecision[] | null> {
  const decidedAt = now.toISOString();
  return events.map((accepted, index) => {
    try {
      return evaluateEvent(accepted, candidates[index] ?? [], consents[index] ?? [], now, decidedAt, settings, subjectKeysOf?.[index]);
    } catch {
      return null;
    }
  });
}

function evaluateEvent(
  accepted: AcceptedEvent,
  eventCandidates: ReturnType<typeof candidatesOf>[number],
  consents: readonly ConsentStatement[],
  now: Date,
  decidedAt: string,
  settings: EvaluationSettings,
  knownKeys: { nhsNumber?: string; niNumber?: string } | undefined,
): EvaluatedDecision[] {
  if (eventCandidates.length === 0) return [];
  const keys = knownKeys ?? subjectKeys(accepted.subject, settings.subjectKeySecret);
  // subjectKey's choice: the NHS number's key when there is one, else the NI number's.
  const key = keys.nhsNumber ?? keys.niNumber ?? null;
  return eventCandidates.map(({ agreement, recipient }) => {
    const decision = evaluate({
      event: accepted.event,
      agreement,
      recipient,
      consents,
      now,
      catalog: settings.catalog,
      pseudonymMasterKey: settings.pseudonymMasterKey,
      onConditionFailure: settings.onConditionFailure,
    });
    return { decision, agreement, row: decisionRow(accepted, decision, agreement, decidedAt, key, keys) };
  });
}

/**
 * The lawful basis a decision row records, copied once per agreement version object and
 * shared by its rows (which are never modified), so the append numbers it without
 * writing it out as JSON for every row.
 */
const lawfulBases = new WeakMap<VersionedAgreement, NonNullable<DecisionToAppend['lawfulBasis']>>();
function lawfulBasisOf(agreement: VersionedAgreement): NonNullable<DecisionToAppend['lawfulBasis']> {
  let basis = lawfulBases.get(agreement);
  if (!basis) {
    basis = {
      article6: agreement.lawfulBasis.article6,
      article9: agreement.lawfulBasis.article9 ?? null,
      legislation: [...agreement.lawfulBasis.legislation],
    };
    lawfulBases.set(agreement, basis);
  }
  return basis;
}

export function decisionRow(
  accepted: AcceptedEvent,
  decision: Decision,
  agreement: VersionedAgreement,
  decidedAt: string,
  key: string | null,
  keys: { nhsNumber?: string; niNumber?: string } = {},
): DecisionToAppend {
  const { record } = accepted;
  const row: DecisionToAppend = {
    decisionId: decision.decisionId,
    eventId: accepted.event.id,
    eventType: accepted.event.type,
    source: accepted.event.source,
    recipient: decision.recipient,
    agreementId: decision.agreementId,
    agreementVersion: decision.agreementVersion,
    purpose: decision.purpose,
    lawfulBasis: lawfulBasisOf(agreement),
    outcome: decision.outcome,
    reasons: [...decision.reasons],
    fieldsReleased: [...decision.fieldsReleased],
    fieldsWithheld: [...decision.fieldsWithheld],
    consentRefs: [...decision.consentRefs],
    subjectKey: key,
    payloadDigest: decision.payloadDigest ?? null,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    decidedAt,
  };
  if (keys.nhsNumber !== undefined && keys.niNumber !== undefined) row.subjectKeys = keys;
  return row;
}

/** The `rejected` decision of a record that cannot be evaluated (docs/contract.md, "Rejections and the dead-letter queue" and "Decision records and the audit chain"). */
export function rejectedRow(rejected: RejectedRecord, decidedAt: string, subjectKeySecret: string): DecisionToAppend {
  const { record } = rejected;
  return {
    decisionId: rejected.decisionId,
    eventId: rejected.eventId,
    eventType: rejected.eventType,
    source: rejected.source,
    recipient: null,
    agreementId: null,
    agreementVersion: null,
    purpose: null,
    lawfulBasis: null,
    outcome: 'rejected',
    reasons: [rejected.reason],
    fieldsReleased: [],
    fieldsWithheld: [],
    consentRefs: [],
    subjectKey: rejected.subject === null ? null : subjectKey(rejected.subject, subjectKeySecret),
    payloadDigest: null,
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    decidedAt,
  };
}

export function recordedFrom(row: DecisionToAppend): RecordedDecision {
  return {
    decisionId: row.decisionId,
    eventId: row.eventId,
    recipient: row.recipient,
    agreementId: row.agreementId,
    agreementVersion: row.agreementVersion,
    purpose: row.purpose,
    outcome: row.outcome,
    payloadDigest: row.payloadDigest,
  };
}

/** Per consumed record: decide it now, honour what was recorded for it earlier, or reject it. */
export type RecordPlan =
  | { mode: 'new' }
  | { mode: 'recorded'; decisions: RecordedDecision[] }
  | { mode: 'rejected'; alreadyRecorded: boolean };

export type PlanInput =
  | { kind: 'accepted'; eventId: string; decisions: readonly EvaluatedDecision[] }
  | { kind: 'rejected'; row: DecisionToAppend };

export interface WritePlan {
  /** Rows to append, in record order; none already in the log, none twice. */
  toAppend: DecisionToAppend[];
  /** Aligned with the input. */
  plans: RecordPlan[];
}

/**
 * An event whose decisions are already in the log — an earlier attempt at this batch
 * committed them, or the same `ce_id` appeared earlier — is not decided again: each
 * candidate keeps exactly one decision, and a redelivery carries the recorded decision id,
 * agreement version and purpose. All of an event's decisions are written in one
 * transaction, so "some recorded" means "all recorded". A rejection is recorded once per
 * rejection id. Rejections of an event id do not count as deciding it, so a redriven
 * record that is now valid is decided afresh.
 */
export function planWrites(items: readonly PlanInput[], recorded: readonly RecordedDecision[]): WritePlan {
  const decidedEvents = new Map<string, RecordedDecision[]>();
  const knownIds = new Set<string>();
  for (const decision of recorded) {
    knownIds.add(decision.decisionId);
    if (decision.outcome === 'rejected' || decision.eventId === null) continue;
    const list = decidedEvents.get(decision.eventId);
    if (list) list.push(decision);
    else decidedEvents.set(decision.eventId, [decision]);
  }
  // The events decided in this batch, as recorded decisions only when the same event comes again (rare).
  const decidedHere = new Map<string, readonly EvaluatedDecision[]>();
  const toAppend: DecisionToAppend[] = [];
  const plans = items.map((item): RecordPlan => {
    if (item.kind === 'rejected') {
      const alreadyRecorded = knownIds.has(item.row.decisionId);
      if (!alreadyRecorded) {
        knownIds.add(item.row.decisionId);
        toAppend.push(item.row);
      }
      return { mode: 'rejected', alreadyRecorded };
    }
    let earlier = decidedEvents.get(item.eventId);
    if (!earlier) {
      const here = decidedHere.get(item.eventId);
      if (here) {
        earlier = here.map((decision) => recordedFrom(decision.row));
        decidedEvents.set(item.eventId, earlier);
      }
    }
    if (earlier) return { mode: 'recorded', decisions: earlier };
    // Every row not known before this event is appended (checked before any of its ids counts as known).
    const first = toAppend.length;
    for (const decision of item.decisions) if (!knownIds.has(decision.row.decisionId)) toAppend.push(decision.row);
    for (let index = first; index < toAppend.length; index++) knownIds.add(toAppend[index]!.decisionId);
    if (item.decisions.length > 0) decidedHere.set(item.eventId, item.decisions);
    return { mode: 'new' };
  });
  return { toAppend, plans };
}
