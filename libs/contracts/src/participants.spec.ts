import {
  CONSENT_CHANGES_TOPIC,
  DLQ_TOPIC,
  EVENTS_TOPIC_PATTERN,
  REFERENCE_PARTICIPANTS,
  eventsTopic,
  inboxTopic,
  isParticipantId,
  parseParticipantId,
  participantFromEventsTopic,
  participantFromInboxTopic,
  participantFromSource,
  sourceOf,
} from './participants';
import { EVENT_TYPES, mayPublish } from './event-catalog';

describe('participant ids', () => {
  it.each(['southampton.adult-social-care', 'uhs.discharge-hub', 'hiow-icb.analytics', 'a.b', '1.2'])('accepts %s', (id) => {
    expect(isParticipantId(id)).toBe(true);
  });

  it.each(['southampton', 'Southampton.adult-social-care', 'a..b', 'a.b.c', '.a', 'a.', 'a_b.c', 'a b.c', ''])('rejects "%s"', (id) => {
    expect(isParticipantId(id)).toBe(false);
  });

  it('parses into organisation and system', () => {
    expect(parseParticipantId('uhs.discharge-hub')).toEqual({ org: 'uhs', system: 'discharge-hub' });
    expect(() => parseParticipantId('not a participant')).toThrow(/<org>\.<system>/);
  });
});

describe('topics', () => {
  it('names them as docs/contract.md, "Participants", says', () => {
    expect(eventsTopic('uhs.discharge-hub')).toBe('accord.events.uhs.discharge-hub');
    expect(inboxTopic('ohid.ndtms')).toBe('accord.inbox.ohid.ndtms');
    expect(DLQ_TOPIC).toBe('accord.dlq');
    expect(CONSENT_CHANGES_TOPIC).toBe('accord.consent.changes');
  });

  it('subscribes the broker to every events topic and nothing else', () => {
    for (const participant of REFERENCE_PARTICIPANTS) {
      expect(EVENTS_TOPIC_PATTERN.test(eventsTopic(participant.id))).toBe(true);
      expect(EVENTS_TOPIC_PATTERN.test(inboxTopic(participant.id))).toBe(false);
    }
    expect(EVENTS_TOPIC_PATTERN.test(DLQ_TOPIC)).toBe(false);
    expect(EVENTS_TOPIC_PATTERN.test(CONSENT_CHANGES_TOPIC)).toBe(false);
    expect(EVENTS_TOPIC_PATTERN.test('accord.events.a.b.c')).toBe(false);
    expect(EVENTS_TOPIC_PATTERN.flags).not.toContain('g');
  });

  it('reads the participant back from topics and sources', () => {
    expect(participantFromEventsTopic('accord.events.swast.clinical-hub')).toBe('swast.clinical-hub');
    expect(participantFromEventsTopic('accord.inbox.swast.clinical-hub')).toBeUndefined();
    expect(participantFromInboxTopic('accord.inbox.swast.clinical-hub')).toBe('swast.clinical-hub');
    expect(participantFromSource(sourceOf('swast.clinical-hub'))).toBe('swast.clinical-hub');
    expect(participantFromSource('urn:accord:Not.Valid')).toBeUndefined();
    expect(participantFromSource('https://example.org/swast.clinical-hub')).toBeUndefined();
  });
});

describe('reference participants', () => {
  it('lists the eleven participants of docs/domain.md, "Participants", with their organisations', () => {
    expect(REFERENCE_PARTICIPANTS.map((participant) => participant.id)).toEqual([
      'southampton.adult-social-care',
      'southampton.revenues-benefits',
      'hampshire.public-health',
      'isle-of-wight.adult-social-care',
      'dorset.revenues-benefits',
      'uhs.discharge-hub',
      'uhs.emergency-department',
      'swast.clinical-hub',
      'hiow-icb.analytics',
      'ukhsa.health-protection',
      'ohid.ndtms',
    ]);
    for (const participant of REFERENCE_PARTICIPANTS) {
      expect(`${participant.org}.${participant.system}`).toBe(participant.id);
      expect(participant.organisation.length).toBeGreaterThan(0);
    }
  });

  it('lets each reference system publish only its own event types (docs/domain.md, "Event types")', () => {
    expect(mayPublish('isle-of-wight.adult-social-care', 'asc.service.started.v1')).toBe(true);
    expect(mayPublish('southampton.revenues-benefits', 'asc.service.started.v1')).toBe(false);
    expect(mayPublish('uhs.discharge-hub', 'nhs.hospital-discharge.notified.v1')).toBe(true);
    expect(mayPublish('hampshire.public-health', 'nhs.ambulance.fall-attended.v1')).toBe(false);
    expect(mayPublish('swast.clinical-hub', 'ph.health-check.completed.v1')).toBe(false);
    expect(mayPublish('not-a-participant', 'asc.service.started.v1')).toBe(false);
    expect(mayPublish('a.b.adult-social-care', 'asc.service.started.v1')).toBe(false);
    expect(mayPublish('southampton.adult-social-care', 'asc.unknown.v1')).toBe(false);
    for (const type of EVENT_TYPES.keys()) {
      expect(REFERENCE_PARTICIPANTS.some((participant) => mayPublish(participant.id, type))).toBe(true);
    }
  });
});
