import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { KeyHashPartitioner, keyHash } from './partitioner';

const metadataOf = (count: number): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));

describe('KeyHashPartitioner', () => {
  const ours = KeyHashPartitioner();
  const kafkajs = Partitioners.DefaultPartitioner();

  it('places every keyed record where kafkajs’s DefaultPartitioner does, for any key and partition count', () => {
    const key = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ maxLength: 600 }),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
      fc.stringMatching(/^ps_[A-Za-z0-9_-]{43}$/),
    );
    fc.assert(
      fc.property(key, fc.integer({ min: 1, max: 200 }), (recordKey, count) => {
        const args = { topic: 'accord.inbox.a.b', partitionMetadata: metadataOf(count), message: { key: recordKey, value: 'v' } };
        return ours(args) === kafkajs(args);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps Kafka’s murmur2 test vectors', () => {
    // From Kafka's UtilsTest.testMurmur2.
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [text, hash] of vectors) expect(keyHash(Buffer.from(text))).toBe(hash);
  });

  it('leaves a record with its own partition, or without a key, to the default placement', () => {
    const partitionMetadata = metadataOf(6);
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'k', value: 'v', partition: 4 } })).toBe(4);
    const unkeyed = Array.from({ length: 12 }, () => ours({ topic: 't', partitionMetadata, message: { key: null, value: 'v' } }));
    expect(new Set(unkeyed).size).toBe(6);
  });
});
