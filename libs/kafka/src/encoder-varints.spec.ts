import fc from 'fast-check';
import { kafkajsWriteUVarInt, writeVarintsInPlace } from './encoder-varints';

const Encoder = require('kafkajs/src/protocol/encoder') as new () => {
  buffer: Buffer;
  writeUVarInt(value: number): unknown;
  writeVarInt(value: number): unknown;
  writeVarIntString(value: string | null): unknown;
  writeVarIntBytes(value: Buffer | string | null): unknown;
};

describe('writeVarintsInPlace', () => {
  beforeAll(() => expect(writeVarintsInPlace()).toBe(true));

  it('writes every varint as kafkajs does, for any value', () => {
    const value = fc.oneof(fc.integer(), fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), fc.nat(300), fc.double({ noNaN: true }), fc.maxSafeInteger());
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), (values) => {
        const ours = new Encoder();
        const theirs = new Encoder();
        for (const each of values) {
          ours.writeUVarInt(each);
          kafkajsWriteUVarInt!.call(theirs as never, each);
        }
        return ours.buffer.equals(theirs.buffer);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the encoder growing past its first buffer, and the signed and length-prefixed writers on top of it', () => {
    const encoder = new Encoder();
    for (let index = 0; index < 1000; index++) encoder.writeVarInt(-index * 7919);
    encoder.writeVarIntString('header');
    encoder.writeVarIntBytes(Buffer.from('value'));
    encoder.writeVarIntBytes(null);
    expect(encoder.buffer.length).toBeGreaterThan(512);
    expect(encoder.buffer.subarray(-14).toString('latin1')).toBe('\u000cheader\u000avalue\u0001');
  });
});
