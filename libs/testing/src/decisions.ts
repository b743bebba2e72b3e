import { randomUUID } from 'node:crypto';
import type { UnchainedDecision } from '@accord/audit-chain';

/**
 * A decision as the broker records one — a care-home placement shared by adult social
 * care with revenues and benefits under `scc-asc-care-home-to-rb` — with fresh decision
 * and event ids. Override what the test is about.
 */
export function exampleDecision(overrides: Partial<UnchainedDecision> = {}): UnchainedDecision {
  return {
    decisionId: randomUUID(),
    eventId: randomUUID(),
    eventType: 'asc.service.started.v1',
    source: 'southampton.adult-social-care',
    recipient: 'southampton.revenues-benefits',
    agreementId: 'scc-asc-care-home-to-rb',
    agreementVersion: 3,
    purpose: 'council-tax-and-hb-review',
    lawfulBasis: { article6: 'public-task', article9: null, legislation: ['Local Government Finance Act 1992'] },
    outcome: 'shared',
    reasons: ['permitted'],
    fieldsReleased: ['subject.localId', 'serviceType', 'startDate'],
    fieldsWithheld: ['subject.nhsNumber'],
    consentRefs: [],
    subjectKey: 'a'.repeat(64),
    payloadDigest: 'f'.repeat(64),
    topic: 'accord.events.southampton.adult-social-care',
    partition: 1,
    offset: '1',
    decidedAt: '2026-04-01T09:30:00.000Z',
    ...overrides,
  };
}
