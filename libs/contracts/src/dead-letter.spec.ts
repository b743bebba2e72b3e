import { DEAD_LETTER_HEADERS, deadLetterHeaders, originalHeaders, readDeadLetter } from './dead-letter';

describe('dead letters', () => {
  const letter = {
    reason: 'invalid-identifier' as const,
    problems: [{ path: 'subject.nhsNumber', problem: 'fails the Modulus 11 check' }],
    topic: 'accord.events.southampton.adult-social-care',
    partition: 2,
    offset: '41',
    rejectedAt: '2026-11-29T10:00:00.000Z',
    decisionId: '9c4d1f5e-2a3b-5c6d-8e9f-0a1b2c3d4e5f',
    redriveCount: 1,
  };

  it('reads back what the broker wrote, beside the original headers', () => {
    const headers = { ce_id: 'abc', ...deadLetterHeaders(letter) };
    expect(readDeadLetter(headers)).toEqual(letter);
    expect(originalHeaders(headers)).toEqual({ ce_id: 'abc' });
  });

  it('accepts kafkajs buffers and says a record without a known reason is not a dead letter', () => {
    const buffers = Object.fromEntries(Object.entries(deadLetterHeaders(letter)).map(([k, v]) => [k, Buffer.from(v)]));
    expect(readDeadLetter(buffers)?.reason).toBe('invalid-identifier');
    expect(readDeadLetter({ ...buffers, [DEAD_LETTER_HEADERS.reason]: Buffer.from('because') })).toBeUndefined();
    expect(readDeadLetter({ ce_id: 'abc' })).toBeUndefined();
  });
});
