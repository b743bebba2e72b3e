import { randomUUID } from 'node:crypto';
import { encodeEvent } from '@accord/contracts';
import { exampleEventData } from '@accord/testing';
import { EVENT_CATALOG, type ConsentStatement, type VersionedAgreement } from '@accord/governance';
import { readSubmittedAgreement } from './agreement-document';
import { AgreementInvalid } from './agreements.errors';
import { compareDecisions, inspectSuppliedEvent, inspectTopicRecord, rejectedDecision, type InspectedEvent } from './simulation';

const PROVIDER = 'southampton.adult-social-care';
const NOW = new Date('2026-11-28T12:00:00Z');

const CURRENT: VersionedAgreement = {
  id: 'care-home',
  version: 4,
  title: 'Care home placements',
  status: 'active',
  provider: PROVIDER,
  recipients: ['southampton.revenues-benefits', 'dorset.revenues-benefits'],
  purpose: { code: 'council-tax-and-hb-review', description: 'Review' },
  lawfulBasis: { article6: 'public-task', article9: null, legislation: [] },
  validFrom: '2026-04-01',
  validUntil: '2028-03-31',
  reviewBy: '2027-03-31',
  consent: { basis: 'objection', nationalDataOptOut: 'exempt', safeguardingOverride: false },
  retention: { days: 365 },
  rules: [
    {
      eventType: 'asc.service.started.v1',
      when: "data.serviceType in ['long-term-residential', 'long-term-nursing']",
      fields: ['subject.localId', 'serviceType', 'startDate'],
    },
  ],
};

function accepted(serviceType: string): Extract<InspectedEvent, { kind: 'accepted' }> {
  const inspected = inspectSuppliedEvent(
    { id: randomUUID(), type: 'asc.service.started.v1', data: { ...exampleEventData('asc.service.started.v1'), serviceType } },
    PROVIDER,
    NOW,
  );
  if (inspected.kind !== 'accepted') throw new Error('expected a valid event');
  return inspected;
}

describe('simulation', () => {
  it('marks a decision changed when a narrower condition withholds what is shared today, and names no data', () => {
    const proposed = { ...CURRENT, version: 5, rules: [{ ...CURRENT.rules[0]!, when: "data.serviceType == 'long-term-nursing'" }] };
    const { event } = accepted('long-term-residential');
    const rows = compareDecisions({ event, proposed, current: CURRENT, consents: [], now: NOW, catalog: EVENT_CATALOG });
    expect(rows).toEqual([
      {
        eventId: event.id,
        eventType: 'asc.service.started.v1',
        recipient: 'southampton.revenues-benefits',
        current: { outcome: 'shared', reasons: ['permitted'], fieldsReleased: ['subject.localId', 'serviceType', 'startDate'] },
        proposed: { outcome: 'withheld', reasons: ['condition-not-met'], fieldsReleased: [] },
        changed: true,
      },
      expect.objectContaining({ recipient: 'dorset.revenues-benefits', changed: true }),
    ]);
    const text = JSON.stringify(rows);
    expect(text).not.toContain('9434765919');
    expect(text).not.toContain('scc-asc-100234');
  });

  it('answers null for a recipient the proposal drops, and for every recipient when the proposal is a draft', () => {
    const { event } = accepted('long-term-nursing');
    const dropped = compareDecisions({
      event,
      proposed: { ...CURRENT, version: 5, recipients: ['southampton.revenues-benefits'] },
      current: CURRENT,
      consents: [],
      now: NOW,
      catalog: EVENT_CATALOG,
    });
    expect(dropped.map((row) => [row.recipient, row.proposed?.outcome ?? null, row.changed])).toEqual([
      ['southampton.revenues-benefits', 'shared', false],
      ['dorset.revenues-benefits', null, true],
    ]);
    const draft = compareDecisions({ event, proposed: { ...CURRENT, version: 5, status: 'draft' }, current: CURRENT, consents: [], now: NOW, catalog: EVENT_CATALOG });
    expect(draft.every((row) => row.proposed === null && row.changed)).toBe(true);
  });

  it('applies the consent registry to both versions', () => {
    const { event } = accepted('long-term-nursing');
    const objection: ConsentStatement = {
      id: randomUUID(),
      subject: { nhsNumber: '9434765919' },
      kind: 'object',
      scope: {},
      effectiveFrom: '2026-01-01T00:00:00Z',
      recordedAt: '2026-01-01T00:00:00Z',
    };
    const rows = compareDecisions({ event, proposed: { ...CURRENT, version: 5 }, current: CURRENT, consents: [objection], now: NOW, catalog: EVENT_CATALOG });
    expect(rows.every((row) => row.current?.reasons[0] === 'objection' && row.proposed?.reasons[0] === 'objection' && !row.changed)).toBe(true);
  });

  it('rejects supplied events as the broker would, naming paths and rules only', () => {
    const badIdentifier = inspectSuppliedEvent(
      { type: 'asc.service.started.v1', data: { ...exampleEventData('asc.service.started.v1'), subject: { localId: 'x', nhsNumber: '9434765918' } } },
      PROVIDER,
      NOW,
    );
    expect(badIdentifier).toMatchObject({ kind: 'rejected', reason: 'invalid-identifier' });
    const wrongPublisher = inspectSuppliedEvent({ type: 'rb.housing-benefit.assessed.v1', data: exampleEventData('rb.housing-benefit.assessed.v1') }, PROVIDER, NOW);
    expect(wrongPublisher).toMatchObject({ kind: 'rejected', reason: 'unknown-event-type' });
    const badEnvelope = inspectSuppliedEvent({ id: 'not-a-uuid', type: 'Type With Spaces', source: 'Nobody', time: 'noon', data: {} }, PROVIDER, NOW);
    expect(badEnvelope).toMatchObject({ kind: 'rejected', reason: 'invalid-envelope', eventId: null, eventType: null });
    if (badEnvelope.kind !== 'rejected') throw new Error('unreachable');
    expect(badEnvelope.problems.map((problem) => problem.path)).toEqual(['id', 'source', 'time']);
    expect(rejectedDecision(badEnvelope)).toMatchObject({ recipient: null, current: null, changed: false, proposed: { outcome: 'rejected' } });
    expect(JSON.stringify([badIdentifier, wrongPublisher, badEnvelope])).not.toContain('9434765918');
  });

  it('runs proposals under the limits the broker runs agreements under', () => {
    // The pattern a backtracking engine takes forever on, against the longest local id an event may carry.
    const hostile = inspectSuppliedEvent(
      {
        id: randomUUID(),
        type: 'asc.service.started.v1',
        data: { ...exampleEventData('asc.service.started.v1'), subject: { localId: `${'a'.repeat(127)}!` } },
      },
      PROVIDER,
      NOW,
    );
    if (hostile.kind !== 'accepted') throw new Error('expected a valid event');
    const catastrophic = { ...CURRENT, version: 5, rules: [{ ...CURRENT.rules[0]!, when: "data.subject.localId.matches('^(a+)+$')" }] };
    const started = performance.now();
    const rows = compareDecisions({ event: hostile.event, proposed: catastrophic, current: CURRENT, consents: [], now: NOW, catalog: EVENT_CATALOG });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(rows.map((row) => [row.current?.outcome, row.proposed?.reasons])).toEqual([
      ['shared', ['condition-not-met']],
      ['shared', ['condition-not-met']],
    ]);

    // A proposal the broker would refuse is refused here too, with the 422 of apply, naming the rule and the limit.
    const { version: _version, ...document } = CURRENT;
    const nested = { ...document, rules: [{ ...CURRENT.rules[0]!, when: '[1].all(x, [1].all(y, [1].all(z, x + y + z > 0)))' }] };
    let refused: unknown;
    try {
      readSubmittedAgreement({ format: 'json', document: nested }, { catalog: EVENT_CATALOG, participants: () => true });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AgreementInvalid);
    expect((refused as AgreementInvalid).problems).toEqual([{ path: 'rules[0].when', problem: 'must nest comprehensions at most 2 deep, not 3' }]);
  });

  it("rejects a topic record whose source is not the topic's participant", () => {
    const record = encodeEvent({ source: 'dorset.adult-social-care', type: 'asc.service.started.v1', data: exampleEventData('asc.service.started.v1') });
    expect(inspectTopicRecord(record, PROVIDER)).toMatchObject({ kind: 'rejected', reason: 'invalid-envelope', eventId: record.headers.ce_id });
    expect(inspectTopicRecord(record, 'dorset.adult-social-care')).toMatchObject({ kind: 'accepted' });
  });
});
