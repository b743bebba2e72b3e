import { randomUUID } from 'node:crypto';
import { decodeInboxRecord, inboxTopic } from '@accord/contracts';
import { EVENT_CATALOG, type ConsentStatement } from '@accord/governance';
import { InboxService } from '@accord/domain-service';
import { consentChangeMessage, consentNoticeMessage, consentNotices, type RecordedStatement, type SharedDecision } from './consent-notices';

const PERSON = { nhsNumber: '9434765919' };
const NOW = new Date('2026-11-28T12:00:00Z');

function statement(kind: RecordedStatement['kind'], scope: Partial<RecordedStatement['scope']> = {}): RecordedStatement {
  return {
    id: randomUUID(),
    kind,
    scope: { purpose: null, recipient: null, agreementId: null, ...scope },
    effectiveFrom: new Date('2026-11-28T11:00:00Z'),
    recordedAt: new Date('2026-11-28T11:00:00Z'),
    recordedSeq: 10,
  };
}

const asStatement = (recorded: RecordedStatement): ConsentStatement => ({ ...recorded, subject: PERSON });

function decision(overrides: Partial<SharedDecision> = {}): SharedDecision {
  return {
    eventId: randomUUID(),
    eventType: 'asc.service.started.v1',
    recipient: 'southampton.revenues-benefits',
    agreementId: 'care-home',
    agreementVersion: 1,
    purpose: 'council-tax-and-hb-review',
    consent: { basis: 'objection', nationalDataOptOut: 'exempt' },
    ...overrides,
  };
}

describe('consent notices', () => {
  it('notifies each recipient once, grouping its affected events by agreement', () => {
    const objection = statement('object');
    const decisions = [decision(), decision(), decision({ recipient: 'dorset.revenues-benefits', agreementId: 'other', purpose: 'other' })];
    const notices = consentNotices({ statement: objection, subject: PERSON, statements: [asStatement(objection)], decisions, now: NOW, catalog: EVENT_CATALOG });
    expect(notices).toEqual([
      {
        recipient: 'southampton.revenues-benefits',
        affected: [{ agreementId: 'care-home', purpose: 'council-tax-and-hb-review', eventIds: [decisions[0]!.eventId, decisions[1]!.eventId] }],
      },
      { recipient: 'dorset.revenues-benefits', affected: [{ agreementId: 'other', purpose: 'other', eventIds: [decisions[2]!.eventId] }] },
    ]);
  });

  it('notifies nobody when a more specific grant still decides, or the agreement does not rest on consent', () => {
    const grant = { ...statement('grant', { purpose: 'council-tax-and-hb-review', recipient: 'southampton.revenues-benefits', agreementId: 'care-home' }), recordedSeq: 1 };
    const objection = statement('object');
    const statements = [asStatement(grant), asStatement(objection)];
    expect(consentNotices({ statement: objection, subject: PERSON, statements, decisions: [decision()], now: NOW, catalog: EVENT_CATALOG })).toEqual([]);
    const legalDuty = decision({ consent: { basis: 'none', nationalDataOptOut: 'exempt' } });
    expect(consentNotices({ statement: objection, subject: PERSON, statements: [asStatement(objection)], decisions: [legalDuty], now: NOW, catalog: EVENT_CATALOG })).toEqual([]);
  });

  it('sends opt-out notices only under agreements that apply the opt-out, and never for exempt event types', () => {
    const optOut = statement('national-opt-out');
    const statements = [asStatement(optOut)];
    const applies = decision({ consent: { basis: 'none', nationalDataOptOut: 'applies' } });
    const exempt = decision({ consent: { basis: 'none', nationalDataOptOut: 'exempt' } });
    const exemptType = decision({ eventType: 'ph.notifiable-disease.notified.v1', recipient: 'ukhsa.health-protection', consent: { basis: 'none', nationalDataOptOut: 'applies' } });
    const notices = consentNotices({ statement: optOut, subject: PERSON, statements, decisions: [applies, exempt, exemptType], now: NOW, catalog: EVENT_CATALOG });
    expect(notices.map((notice) => notice.affected.flatMap((group) => group.eventIds))).toEqual([[applies.eventId]]);
  });

  it('judges a future-dated statement at the moment it takes effect', () => {
    const later = { ...statement('withdraw'), effectiveFrom: new Date('2027-01-01T00:00:00Z') };
    const notices = consentNotices({ statement: later, subject: PERSON, statements: [asStatement(later)], decisions: [decision()], now: NOW, catalog: EVENT_CATALOG });
    expect(notices).toHaveLength(1);
  });

  it('publishes records keyed by the statement id that carry no identifier', () => {
    const objection = statement('object');
    const change = consentChangeMessage(objection, { nhsNumber: 'a'.repeat(64) });
    expect(change).toMatchObject({ topic: 'accord.consent.changes', key: objection.id, eventId: objection.id });
    expect(JSON.parse(change.value)).toMatchObject({ statementId: objection.id, subjectKey: 'a'.repeat(64), subjectKeys: { nhsNumber: 'a'.repeat(64), niNumber: null } });
    const notice = consentNoticeMessage(objection, { recipient: 'southampton.revenues-benefits', affected: [] }, false);
    expect(notice).toMatchObject({ topic: inboxTopic('southampton.revenues-benefits'), key: objection.id, headers: { ce_type: 'accord.consent.notice.v1' } });
    expect(consentNoticeMessage(objection, { recipient: 'southampton.revenues-benefits', affected: [] }, true).eventId).toBe(notice.eventId);
    for (const message of [change, notice]) expect(JSON.stringify(message)).not.toContain(PERSON.nhsNumber);
  });

  it("becomes a consent-notice work item in a domain service's inbox, once however often it is delivered", async () => {
    const objection = statement('object');
    const notice = consentNoticeMessage(
      objection,
      { recipient: 'southampton.revenues-benefits', affected: [{ agreementId: 'scc-asc-care-home-to-rb', purpose: 'council-tax-and-hb-review', eventIds: ['e-1', 'e-2'] }] },
      false,
    );
    expect(decodeInboxRecord({ key: notice.key, headers: notice.headers, value: notice.value }).ok).toBe(false);
    const receipts = new Set<string>();
    const items: Array<Record<string, unknown>> = [];
    const manager = {
      query: async (_sql: string, parameters: string[]) => {
        const key = `${parameters[0]}|${parameters[1]}|${parameters[2]}`;
        if (receipts.has(key)) return [];
        receipts.add(key);
        return [{ event_id: parameters[1] }];
      },
      insert: async (_entity: unknown, item: Record<string, unknown>) => void items.push(item),
    };
    const dataSource = { manager, transaction: async (work: (m: typeof manager) => Promise<void>) => work(manager) };
    const inbox = new InboxService({ participants: ['southampton.revenues-benefits'], inboxHandlers: [] } as never, dataSource as never, {} as never);
    const record = { key: Buffer.from(notice.key), headers: notice.headers, value: Buffer.from(notice.value), offset: '0' } as never;
    expect(await inbox.receive(notice.topic, 0, record)).toBe('consent-notice');
    expect(await inbox.receive(notice.topic, 0, record)).toBe('consent-notice');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      participant: 'southampton.revenues-benefits',
      kind: 'consent-notice',
      eventId: notice.eventId,
      eventType: 'accord.consent.notice.v1',
      agreement: 'scc-asc-care-home-to-rb',
      details: { kind: 'object', affected: [{ agreementId: 'scc-asc-care-home-to-rb', eventIds: ['e-1', 'e-2'] }] },
    });
    expect(items[0].summary).toMatch(/objected to sharing.*review 2 record\(s\)/);
  });
});
