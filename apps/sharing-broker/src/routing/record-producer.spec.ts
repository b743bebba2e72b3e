import { MAX_PRODUCE_REQUEST_BYTES } from '@accord/kafka';
import { requestsOf } from './record-producer';
import type { Outgoing } from './deliveries';

const record = (topic: string, bytes: number, n: number): Outgoing => ({ topic, message: { key: `k${n}`, value: 'v'.repeat(bytes), headers: { n: String(n) } } });

describe('requestsOf', () => {
  it('cuts the records into requests under MAX_PRODUCE_REQUEST_BYTES, in order, a larger record alone', () => {
    const records = [
      record('accord.dlq', 300 * 1024, 1),
      record('accord.dlq', 300 * 1024, 2),
      record('accord.inbox.a.b', 10, 3),
      record('accord.dlq', MAX_PRODUCE_REQUEST_BYTES + 1, 4),
      record('accord.inbox.a.b', 10, 5),
    ];
    const requests = requestsOf(records);
    expect(requests.map((request) => request.map((item) => item.message.headers!.n))).toEqual([['1', '2', '3'], ['4'], ['5']]);
    expect(requests.flat()).toEqual(records);
  });

  it('keeps small records in one request', () => {
    const records = Array.from({ length: 100 }, (_, n) => record('accord.inbox.a.b', 100, n));
    expect(requestsOf(records)).toEqual([records]);
  });
});
