import { randomUUID } from 'node:crypto';
import {
  eventsTopic,
  isParticipantId,
  isRfc3339DateTime,
  isUuid,
  type IncomingRecord,
  type Problem,
  type RejectionReason,
} from '@accord/contracts';
import {
  candidatesFor,
  evaluate,
  eventTypeLike,
  inspectEventData,
  inspectRecord,
  type ConsentStatement,
  type Decision,
  type EventToEvaluate,
  type EventTypeCatalog,
  type SubjectIdentifiers,
  type VersionedAgreement,
} from '@accord/governance';
import type { SimulatedDecisionView, SimulatedOutcomeView, SimulationEventRequest } from './dto/simulate.dto';

/*
 * The pure part of `POST /v1/agreements/simulate`: events are inspected as the broker would
 * (envelope, publisher, payload), then each candidate recipient is decided under the
 * current and the proposed version. What comes out names event ids, types, recipients,
 * outcomes, reasons and field paths: never event data or identifiers.
 */

export type InspectedEvent =
  | { kind: 'accepted'; event: EventToEvaluate; subject: SubjectIdentifiers }
  | { kind: 'rejected'; eventId: string | null; eventType: string | null; reason: RejectionReason; problems: Problem[] };

/** The engine never releases anything in a simulation; the key only has to be fixed. */
const SIMULATION_PSEUDONYM_KEY = 'accord-simulation-releases-nothing';

/**
 * An event supplied in the request: its attributes stand in for the envelope's headers and
 * are checked here; its data is validated as the broker validates it.
 */
export function inspectSuppliedEvent(input: SimulationEventRequest, defaultSource: string, now: Date): InspectedEvent {
  const problems: Problem[] = [];
  if (input.id !== undefined && !isUuid(input.id)) problems.push({ path: 'id', problem: 'must be a UUID' });
  const source = input.source ?? defaultSource;
  if (!isParticipantId(source)) problems.push({ path: 'source', problem: 'must be a participant id <org>.<system>' });
  if (input.time !== undefined && !isRfc3339DateTime(input.time)) problems.push({ path: 'time', problem: 'must be an RFC 3339 date-time' });
  const eventId = input.id !== undefined && isUuid(input.id) ? input.id : input.id === undefined ? randomUUID() : null;
  const eventType = eventTypeLike(input.type);
  if (problems.length > 0) return { kind: 'rejected', eventId, eventType, reason: 'invalid-envelope', problems };
  const inspected = inspectEventData({ id: eventId!, type: input.type, source, time: input.time ?? now.toISOString() }, input.data);
  return inspected.kind === 'accepted' ? inspected : { ...inspected, eventId, eventType };
}

/** A record read from the provider's events topic, inspected exactly as the broker inspects it. */
export function inspectTopicRecord(message: IncomingRecord, provider: string): InspectedEvent {
  const inspected = inspectRecord(eventsTopic(provider), message);
  if (inspected.kind === 'accepted') return { kind: 'accepted', event: inspected.event, subject: inspected.subject };
  const { eventId, eventType, reason, problems } = inspected;
  return { kind: 'rejected', eventId, eventType, reason, problems };
}

export interface ComparisonInput {
  readonly event: EventToEvaluate;
  readonly proposed: VersionedAgreement;
  readonly current: VersionedAgreement | undefined;
  readonly consents: readonly ConsentStatement[];
  readonly now: Date;
  readonly catalog: EventTypeCatalog;
}

/**
 * One row per recipient that either version would decide for (docs/contract.md,
 * "Consent", candidates: not draft, the event's provider, a rule for its type): the
 * proposal's recipients first, then any only the current version names. Empty when
 * neither covers the event.
 */
export function compareDecisions(input: ComparisonInput): SimulatedDecisionView[] {
  const decide = (agreement: VersionedAgreement | undefined): Map<string, SimulatedOutcomeView> => {
    const outcomes = new Map<string, SimulatedOutcomeView>();
    if (!agreement) return outcomes;
    for (const candidate of candidatesFor(input.event, [agreement])) {
      const decision = evaluate({
        event: input.event,
        agreement: candidate.agreement,
        recipient: candidate.recipient,
        consents: input.consents,
        now: input.now,
        catalog: input.catalog,
        pseudonymMasterKey: SIMULATION_PSEUDONYM_KEY,
      });
      outcomes.set(candidate.recipient, outcomeOf(decision));
    }
    return outcomes;
  };
  const proposed = decide(input.proposed);
  const current = decide(input.current);
  const recipients = [...new Set([...proposed.keys(), ...current.keys()])];
  return recipients.map((recipient) => {
    const before = current.get(recipient) ?? null;
    const after = proposed.get(recipient) ?? null;
    return {
      eventId: input.event.id,
      eventType: input.event.type,
      recipient,
      current: before,
      proposed: after,
      changed: !sameOutcome(before, after),
    };
  });
}

/** A rejected event gets one row; the proposal cannot change a rejection, so it is never `changed`. */
export function rejectedDecision(inspected: Extract<InspectedEvent, { kind: 'rejected' }>): SimulatedDecisionView {
  return {
    eventId: inspected.eventId,
    eventType: inspected.eventType,
    recipient: null,
    current: null,
    proposed: { outcome: 'rejected', reasons: [inspected.reason], fieldsReleased: [] },
    changed: false,
    problems: inspected.problems.map(({ path, problem }) => ({ path, problem })),
  };
}

/** Outcome, reasons and field names only: `released` (the data) is dropped here. */
function outcomeOf(decision: Decision): SimulatedOutcomeView {
  return { outcome: decision.outcome, reasons: [...decision.reasons], fieldsReleased: [...decision.fieldsReleased] };
}

function sameOutcome(a: SimulatedOutcomeView | null, b: SimulatedOutcomeView | null): boolean {
  if (a === null || b === null) return a === b;
  return a.outcome === b.outcome && sameList(a.reasons, b.reasons) && sameList(a.fieldsReleased, b.fieldsReleased);
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((item, index) => item === b[index]);

/** Counts under this are not given for recorded traffic; the rest are rounded to a multiple of it. */
export const SUMMARY_SMALL_COUNT = 5;

/**
 * A count of recorded (not supplied) traffic as a governance user may see it: exact counts
 * would let them read raw values one event at a time (a condition such as
 * `data.subject.nhsNumber.startsWith('94')` over a window of one, or two windows a record
 * apart), so counts under SUMMARY_SMALL_COUNT — zero included, since "none changed" over
 * a window of one answers the question too — are withheld (null), and the others rounded
 * to a multiple of it.
 */
export function protectedCount(count: number): number | null {
  if (count < SUMMARY_SMALL_COUNT) return null;
  return Math.round(count / SUMMARY_SMALL_COUNT) * SUMMARY_SMALL_COUNT;
}

export interface SimulationSummary {
  decisions: number | null;
  changed: number | null;
  /** Per recipient (null for rejections): decisions by outcome under each version, and how many change. */
  byRecipient: Array<{ recipient: string | null; current: Record<string, number | null>; proposed: Record<string, number | null>; changed: number | null }>;
  /** Per reason: how many decisions give it under each version. */
  byReason: Array<{ reason: string; current: number | null; proposed: number | null }>;
}

/** The decisions in aggregate, each count passed through `count` (exact for supplied events, protected for recorded ones). */
export function summarise(decisions: readonly SimulatedDecisionView[], count: (n: number) => number | null): SimulationSummary {
  const recipients = new Map<string | null, { current: Map<string, number>; proposed: Map<string, number>; changed: number }>();
  const reasons = new Map<string, { current: number; proposed: number }>();
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const decision of decisions) {
    let entry = recipients.get(decision.recipient);
    if (!entry) recipients.set(decision.recipient, (entry = { current: new Map(), proposed: new Map(), changed: 0 }));
    bump(entry.current, decision.current?.outcome ?? 'none');
    bump(entry.proposed, decision.proposed?.outcome ?? 'none');
    if (decision.changed) entry.changed++;
    for (const [side, outcome] of [['current', decision.current], ['proposed', decision.proposed]] as const) {
      for (const reason of outcome?.reasons ?? []) {
        const tally = reasons.get(reason) ?? { current: 0, proposed: 0 };
        tally[side]++;
        reasons.set(reason, tally);
      }
    }
  }
  const counts = (map: Map<string, number>) => Object.fromEntries([...map].map(([key, value]) => [key, count(value)]));
  return {
    decisions: count(decisions.length),
    changed: count(decisions.filter((decision) => decision.changed).length),
    byRecipient: [...recipients].map(([recipient, entry]) => ({ recipient, current: counts(entry.current), proposed: counts(entry.proposed), changed: count(entry.changed) })),
    byReason: [...reasons].map(([reason, tally]) => ({ reason, current: count(tally.current), proposed: count(tally.proposed) })).sort((a, b) => a.reason.localeCompare(b.reason)),
  };
}
