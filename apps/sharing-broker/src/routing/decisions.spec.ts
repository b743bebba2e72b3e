import fc from 'fast-check';
import type { KafkaMessage } from 'kafkajs';
import { subjectKey } from '@accord/governance';
import { catalog, eventRecord, PSEUDONYMISATION_SECRET, referenceAgreement, SUBJECT_KEY_SECRET, versioned } from '../../test/support';
import { candidatesOf, evaluateEvents, planWrites, recordedFrom, rejectedRow, type EvaluatedDecision, type PlanInput, type RecordPlan, type RecordedDecision, type WritePlan } from './decisions';
import { inspectRecord, type AcceptedEvent, type RejectedRecord } from './inspect';

const ASC = 'test-unit.adult-social-care';
const RB = 'test-unit.revenues-benefits';
const careHome = versioned(
  referenceAgreement('scc-asc-care-home-to-rb.yaml', { 'southampton.adult-social-care': ASC, 'southampton.revenues-benefits': RB }),
);
const settings = { catalog, pseudonymMasterKey: PSEUDONYMISATION_SECRET, subjectKeySecret: SUBJECT_KEY_SECRET };
const NOW = new Date('2026-12-01T12:00:00.000Z');

function inspect(subject: Record<string, unknown>, offset = '3', type = 'asc.service.started.v1', id?: string) {
  const { message } = eventRecord(ASC, type, subject, {}, id);
  const kafkaMessage = {
    key: Buffer.from(String(message.key)),
    value: Buffer.from(String(message.value)),
    headers: message.headers,
    offset,
    timestamp: '0',
    attributes: 0,
  } as KafkaMessage;
  return inspectRecord({ topic: `accord.events.${ASC}`, partition: 1, offset, message: kafkaMessage });
}

function decide(events: AcceptedEvent[], agreements = [careHome]) {
  const candidates = candidatesOf(events, (provider) => agreements.filter((agreement) => agreement.provider === provider));
  return evaluateEvents(events, candidates, events.map(() => []), NOW, settings).map((decisions) => {
    if (decisions === null) throw new Error('evaluation failed');
    return decisions;
  });
}

describe('evaluateEvents', () => {
  it('gives null for an event whose evaluation throws, and decides the others of the batch', () => {
    const good = inspect({ localId: 'person-1', nhsNumber: '9434765919' }) as AcceptedEvent;
    const bad = inspect({ localId: 'person-2', nhsNumber: '9434765919' }) as AcceptedEvent;
    // A defect the bounds did not foresee: reading the event's data throws.
    const poisoned: AcceptedEvent = {
      ...bad,
      event: {
        ...bad.event,
        data: new Proxy(bad.event.data, {
          get: () => {
            throw new Error('boom');
          },
        }),
      },
    };
    const candidates = candidatesOf([good, poisoned], () => [careHome]);
    const [decided, failed] = evaluateEvents([good, poisoned], candidates, [[], []], NOW, settings);
    expect(failed).toBeNull();
    expect(decided).toEqual([expect.objectContaining({ decision: expect.objectContaining({ outcome: 'shared' }) })]);
  });

  it('makes one audit row per candidate: agreement, lawful basis, keyed subject, where it was consumed, when', () => {
    const accepted = inspect({ localId: 'person-1', nhsNumber: '9434765919' }) as AcceptedEvent;
    const [[evaluated]] = decide([accepted]);
    expect(evaluated!.row).toMatchObject({
      eventId: accepted.event.id,
      eventType: 'asc.service.started.v1',
      source: ASC,
      recipient: RB,
      agreementId: careHome.id,
      agreementVersion: 1,
      purpose: 'council-tax-and-hb-review',
      lawfulBasis: { article6: 'public-task', article9: null, legislation: careHome.lawfulBasis.legislation },
      outcome: 'shared',
      reasons: ['permitted'],
      subjectKey: subjectKey({ nhsNumber: '9434765919' }, SUBJECT_KEY_SECRET),
      topic: `accord.events.${ASC}`,
      partition: 1,
      offset: '3',
      decidedAt: '2026-12-01T12:00:00.000Z',
      payloadDigest: evaluated!.decision.payloadDigest,
    });
    expect(JSON.stringify(evaluated!.row)).not.toContain('9434765919');
  });

  it('has no candidates (and no decisions) for an event no agreement covers', () => {
    const accepted = inspect({ localId: 'person-2' }, '4', 'asc.review.completed.v1') as AcceptedEvent;
    expect(decide([accepted])).toEqual([[]]);
  });
});

describe('rejectedRow', () => {
  it('names no recipient or agreement, gives the reason, and keys the subject only when the identifiers were valid', () => {
    const invalid = inspect({ localId: 'p', nhsNumber: '9434765918' }) as RejectedRecord;
    expect(rejectedRow(invalid, NOW.toISOString(), SUBJECT_KEY_SECRET)).toMatchObject({
      decisionId: invalid.decisionId,
      recipient: null,
      agreementId: null,
      agreementVersion: null,
      purpose: null,
      lawfulBasis: null,
      outcome: 'rejected',
      reasons: ['invalid-identifier'],
      subjectKey: null,
      payloadDigest: null,
      offset: '3',
    });
    const unknownType = inspect({ localId: 'p', nhsNumber: '9434765919' }, '5', 'rb.council-tax.discount-changed.v1') as RejectedRecord;
    expect(rejectedRow(unknownType, NOW.toISOString(), SUBJECT_KEY_SECRET).subjectKey).toBe(subjectKey({ nhsNumber: '9434765919' }, SUBJECT_KEY_SECRET));
  });
});

describe('planWrites', () => {
  const first = inspect({ localId: 'person-a', nhsNumber: '9434765919' }, '10') as AcceptedEvent;
  const second = inspect({ localId: 'person-b' }, '11') as AcceptedEvent;
  const rejected = inspect({ localId: 'person-c', nhsNumber: '9434765918' }, '12') as RejectedRecord;
  const [firstDecisions, secondDecisions] = decide([first, second]);
  const rejectedDecision = rejectedRow(rejected, NOW.toISOString(), SUBJECT_KEY_SECRET);
  const items: PlanInput[] = [
    { kind: 'accepted', eventId: first.event.id, decisions: firstDecisions! },
    { kind: 'accepted', eventId: second.event.id, decisions: secondDecisions! },
    { kind: 'rejected', row: rejectedDecision },
  ];

  it('appends every decision of a fresh batch, in record order', () => {
    const plan = planWrites(items, []);
    expect(plan.toAppend.map((row) => row.offset)).toEqual(['10', '11', '12']);
    expect(plan.plans).toEqual([{ mode: 'new' }, { mode: 'new' }, { mode: 'rejected', alreadyRecorded: false }]);
  });

  it('honours the decisions recorded by an earlier attempt instead of deciding again', () => {
    const recorded = [recordedFrom(firstDecisions![0]!.row), recordedFrom(rejectedDecision)];
    const plan = planWrites(items, recorded);
    expect(plan.toAppend.map((row) => row.offset)).toEqual(['11']);
    expect(plan.plans).toEqual([
      { mode: 'recorded', decisions: [recorded[0]] },
      { mode: 'new' },
      { mode: 'rejected', alreadyRecorded: true },
    ]);
  });

  it('honours an event decided under an older agreement version rather than adding a decision under the new one', () => {
    const olderVersion = { ...recordedFrom(firstDecisions![0]!.row), decisionId: 'older', agreementVersion: 0 };
    const plan = planWrites(items.slice(0, 1), [olderVersion]);
    expect(plan.toAppend).toEqual([]);
    expect(plan.plans).toEqual([{ mode: 'recorded', decisions: [olderVersion] }]);
  });

  it('decides a repeated event id once in a batch; the repeat is delivered as the first was decided', () => {
    const repeat = inspect({ localId: 'person-a', nhsNumber: '9434765919' }, '13', 'asc.service.started.v1', first.event.id) as AcceptedEvent;
    const [repeatDecisions] = decide([repeat]);
    const plan = planWrites([items[0]!, { kind: 'accepted', eventId: repeat.event.id, decisions: repeatDecisions! }], []);
    expect(plan.toAppend).toHaveLength(1);
    expect(plan.plans[1]).toEqual({ mode: 'recorded', decisions: [recordedFrom(firstDecisions![0]!.row)] });
  });

  it('decides afresh an event whose id was only rejected before (a redriven record that is now valid)', () => {
    const rejectedEarlier = { ...recordedFrom(rejectedDecision), eventId: first.event.id };
    const plan = planWrites(items.slice(0, 1), [rejectedEarlier]);
    expect(plan.plans).toEqual([{ mode: 'new' }]);
    expect(plan.toAppend).toHaveLength(1);
  });

  it('property: plans as the naive reading does, whatever repeats among event ids, decision ids and the recorded decisions', () => {
    /** The plan read naively: every event decided here becomes recorded decisions at once. */
    function naivePlan(planItems: readonly PlanInput[], recorded: readonly RecordedDecision[]): WritePlan {
      const decidedEvents = new Map<string, RecordedDecision[]>();
      const knownIds = new Set<string>();
      for (const decision of recorded) {
        knownIds.add(decision.decisionId);
        if (decision.outcome === 'rejected' || decision.eventId === null) continue;
        decidedEvents.set(decision.eventId, [...(decidedEvents.get(decision.eventId) ?? []), decision]);
      }
      const toAppend: WritePlan['toAppend'] = [];
      const plans = planItems.map((item): RecordPlan => {
        if (item.kind === 'rejected') {
          const alreadyRecorded = knownIds.has(item.row.decisionId);
          if (!alreadyRecorded) {
            knownIds.add(item.row.decisionId);
            toAppend.push(item.row);
          }
          return { mode: 'rejected', alreadyRecorded };
        }
        const earlier = decidedEvents.get(item.eventId);
        if (earlier) return { mode: 'recorded', decisions: earlier };
        const rows = item.decisions.map((decision) => decision.row).filter((row) => !knownIds.has(row.decisionId));
        for (const row of rows) knownIds.add(row.decisionId);
        toAppend.push(...rows);
        if (item.decisions.length > 0) decidedEvents.set(item.eventId, item.decisions.map((decision) => recordedFrom(decision.row)));
        return { mode: 'new' };
      });
      return { toAppend, plans };
    }
    const template = firstDecisions![0]!;
    const id = fc.constantFrom('d1', 'd2', 'd3', 'd4');
    const eventId = fc.constantFrom('e1', 'e2', 'e3');
    const row = fc.record({ decisionId: id, eventId, outcome: fc.constantFrom('shared' as const, 'withheld' as const, 'rejected' as const) }).map((fields) => ({ ...template.row, ...fields }));
    const item: fc.Arbitrary<PlanInput> = fc.oneof(
      fc.record({ kind: fc.constant('accepted' as const), eventId, decisions: fc.array(row.map((r): EvaluatedDecision => ({ ...template, row: r })), { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('rejected' as const), row }),
    );
    const recorded = fc.array(row.map(recordedFrom), { maxLength: 4 });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), recorded, (planItems, earlier) => {
        expect(planWrites(planItems, earlier)).toEqual(naivePlan(planItems, earlier));
      }),
      { numRuns: 3000 },
    );
  });
});
