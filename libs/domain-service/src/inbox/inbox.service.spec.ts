import { Logger } from '@nestjs/common';
import { encodeEvent, inboxTopic, NhsHospitalDischargeNotifiedV1 } from '@accord/contracts';
import { project, type TransformName } from '@accord/governance';
import { exampleEventData } from '@accord/testing';
import { inboxHandler } from './inbox-handler';
import { InboxService } from './inbox.service';

/*
 * Records as the broker releases them (governance's own projection, with its transforms)
 * against a handler that needs the pathway and the date: the inbox accepts what the
 * agreement may do to the other fields and refuses records without what the work needs.
 */

const DISCHARGE = 'nhs.hospital-discharge.notified.v1';
const PARTICIPANT = 'southampton.adult-social-care';
const KEY = new Uint8Array(32).fill(7);
const ALL_FIELDS = [
  'subject.localId',
  'subject.nhsNumber',
  'subject.name',
  'subject.dateOfBirth',
  'dischargePathway',
  'expectedDischargeDate',
  'ward',
  'needsSummary',
];

function inboxService() {
  const items: Array<Record<string, unknown>> = [];
  const manager = {
    query: async (_sql: string, parameters: string[]) => [{ event_id: parameters[1] }],
    insert: async (_entity: unknown, item: Record<string, unknown>) => void items.push(item),
  };
  const dataSource = { manager, transaction: async (work: (transaction: typeof manager) => Promise<void>) => work(manager) };
  const handler = inboxHandler({
    event: NhsHospitalDischargeNotifiedV1,
    needs: ['dischargePathway', 'expectedDischargeDate'],
    workItem: (record) => ({ kind: 'discharge-to-assess-referral', summary: `pathway ${record.dischargePathway}`, details: { ...record } }),
  });
  const inbox = new InboxService({ participants: [PARTICIPANT], inboxHandlers: [handler] } as never, dataSource as never, {} as never);
  return { inbox, items };
}

async function receive(fields: readonly string[], transforms?: Record<string, TransformName>) {
  const { inbox, items } = inboxService();
  const { released } = project(exampleEventData(DISCHARGE), fields, transforms, KEY);
  const message = encodeEvent({ source: 'uhs.discharge-hub', type: DISCHARGE, data: released });
  const record = {
    key: Buffer.from(message.key),
    headers: { ...message.headers, ce_accordagreement: 'hospital-discharge@3', ce_accordpurpose: 'care-planning', ce_accorddecision: 'decision-1' },
    value: Buffer.from(message.value),
    offset: '0',
  };
  return { outcome: await inbox.receive(inboxTopic(PARTICIPANT), 0, record as never), items, released };
}

describe('InboxService and released records', () => {
  beforeAll(() => Logger.overrideLogger(false));
  it('makes work of a record whose other fields are left out or transformed by the agreement', async () => {
    const whole = await receive(ALL_FIELDS);
    expect(whole.outcome).toBe('work-item');
    const transformed = await receive(ALL_FIELDS, { 'subject.nhsNumber': 'pseudonymise', 'subject.dateOfBirth': 'year-only', needsSummary: 'pseudonymise' });
    expect(transformed.outcome).toBe('work-item');
    expect(transformed.items[0]).toMatchObject({ details: { dischargePathway: 1, subject: { dateOfBirth: '1941' } } });
    const needed = await receive(['subject.localId', 'dischargePathway', 'expectedDischargeDate']);
    expect(needed.outcome).toBe('work-item');
  });

  it('receipts without work a record missing a needed field, or with one transformed', async () => {
    for (const [fields, transforms] of [
      [ALL_FIELDS.filter((field) => field !== 'expectedDischargeDate'), undefined],
      [ALL_FIELDS, { dischargePathway: 'pseudonymise' }],
      [ALL_FIELDS, { expectedDischargeDate: 'year-only' }],
    ] as const) {
      const { outcome, items } = await receive(fields, transforms);
      expect({ fields, transforms, outcome }).toEqual({ fields, transforms, outcome: 'invalid-shape' });
      expect(items).toHaveLength(0);
    }
  });
});
