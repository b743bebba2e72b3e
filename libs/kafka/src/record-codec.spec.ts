import fc from 'fast-check';
import type { IHeaders } from 'kafkajs';
import { defineHeader, installRecordCodec, kafkajsRecordCodec, recordCodec, type RecordToEncode } from './record-codec';

const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { readVarInt(): number };

/** A header name: any text, the names of Object.prototype's members apart (the one place the two decoders differ). */
const headerName = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((name) => !(name in Object.prototype) && name !== '__proto__');
const bytes = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.uint8Array({ maxLength: 300 }).map((array) => Buffer.from(array)));
const headers: fc.Arbitrary<IHeaders> = fc.dictionary(headerName, fc.oneof(bytes, fc.array(bytes, { minLength: 1, maxLength: 3 })), { maxKeys: 12 });
const record: fc.Arbitrary<RecordToEncode> = fc.record({
  offsetDelta: fc.oneof(fc.nat(5000), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  timestampDelta: fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.integer({ min: -(2 ** 51), max: 2 ** 51 })),
  key: fc.oneof(fc.constant(null), bytes, fc.string({ unit: 'binary', maxLength: 20 })),
  value: fc.oneof(fc.constant(null), bytes, fc.string({ unit: 'binary', maxLength: 2000 })),
  headers,
});

function encodedBy(encode: (record: RecordToEncode) => { buf: Buffer; offset: number }, input: RecordToEncode): Buffer {
  const encoder = encode(input);
  return encoder.buf.subarray(0, encoder.offset);
}

/** kafkajs's decoded headers as ours reads them: a value whose bytes are all ASCII as its text. */
function withAsciiAsText(headers: IHeaders): IHeaders {
  const asText = (part: unknown) => (Buffer.isBuffer(part) && part.every((byte) => byte < 0x80) ? part.toString('latin1') : part);
  const read: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) defineHeader(read, name, (Array.isArray(value) ? value.map(asText) : asText(value)) as never);
  return read;
}

/** A record body as the batch decoder hands it to the record decoder: after its length. */
function bodyOf(encoded: Buffer) {
  const decoder = new Decoder(encoded);
  decoder.readVarInt();
  return decoder as never;
}

describe('record codec (kafkajs 2.2.4)', () => {
  beforeAll(() => expect(installRecordCodec()).toBe(true));

  it('is what kafkajs loads for records once installed', () => {
    expect(require('kafkajs/src/protocol/recordBatch/record/v0/index')).toBe(recordCodec!.encode);
    expect(require('kafkajs/src/protocol/recordBatch/record/v0/decoder')).toBe(recordCodec!.decode);
  });

  it('encodes every record to the bytes kafkajs writes', () => {
    fc.assert(
      fc.property(record, (input) => encodedBy(recordCodec!.encode, input).equals(encodedBy(kafkajsRecordCodec!.encode, input))),
      { numRuns: 3000 },
    );
  });

  it('leaves what it does not know to kafkajs: the same bytes, or the same refusal', () => {
    const odd: RecordToEncode[] = [
      { timestampDelta: NaN, key: 'k', value: 'v' },
      { timestampDelta: 1.5, key: 'k', value: 'v' },
      { timestampDelta: 2 ** 60, key: 'k', value: 'v' },
      { key: 7, value: 'v' },
      { key: 'k', value: 'v', headers: { a: null as never } },
      { key: 'k', value: { json: true } },
      { key: 'k', value: 'v', headers: { a: [Buffer.from('x'), 3 as never] } },
    ];
    for (const input of odd) {
      const outcome = (encode: (record: RecordToEncode) => { buf: Buffer; offset: number }) => {
        try {
          return encodedBy(encode, input).toString('hex');
        } catch (error) {
          return `threw ${(error as Error).name}`;
        }
      };
      expect(outcome(recordCodec!.encode)).toBe(outcome(kafkajsRecordCodec!.encode));
    }
  });

  it('decodes every record as kafkajs does: offset, timestamp, key, value and headers in order, an ASCII header value as its text', () => {
    const context = fc.record({
      firstOffset: fc.oneof(fc.nat(1_000_000), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })).map(String),
      firstTimestamp: fc.oneof(fc.constant(-1), fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }), fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })).map(String),
      magicByte: fc.constant(2),
      isControlBatch: fc.boolean(),
      timestampType: fc.constantFrom(0, 1),
      maxTimestamp: fc.integer({ min: 0, max: 2_000_000_000_000 }).map(String),
    });
    fc.assert(
      fc.property(record, context, (input, batchContext) => {
        const encoded = encodedBy(kafkajsRecordCodec!.encode, input);
        const ours = recordCodec!.decode(bodyOf(encoded), batchContext);
        const theirs = kafkajsRecordCodec!.decode(bodyOf(encoded), batchContext);
        expect(ours).toStrictEqual({ ...theirs, headers: withAsciiAsText(theirs.headers) });
        expect(Object.keys(ours.headers)).toEqual(Object.keys(theirs.headers));
      }),
      { numRuns: 3000 },
    );
  });

  it('gives each header named like an Object.prototype member its own value, where kafkajs mixed in the inherited one', () => {
    const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const input: IHeaders = {};
    for (const name of names) defineHeader(input, name, `value of ${name}`);
    defineHeader(input, 'toString', ['first', 'second']);
    const encoded = encodedBy(recordCodec!.encode, { key: 'k', value: 'v', headers: input });

    const decoded = recordCodec!.decode(bodyOf(encoded), { firstOffset: '0', firstTimestamp: '0' });
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(Object.keys(decoded.headers)).toEqual(names);
    expect(Object.getOwnPropertyDescriptor(decoded.headers, '__proto__')?.value).toBe('value of __proto__');
    expect(decoded.headers.toString).toEqual(['first', 'second']);
    expect(decoded.headers.constructor).toBe('value of constructor');

    const kafkajs = kafkajsRecordCodec!.decode(bodyOf(encoded), { firstOffset: '0', firstTimestamp: '0' });
    expect(kafkajs.headers.constructor).toEqual([Object, Buffer.from('value of constructor')]);
  });

  it('reads a header value as text only when every byte is ASCII; any other stays the bytes kafkajs reads, for its reader to judge', () => {
    const values = {
      ascii: 'urn:accord:participant:hampshire.asc\u0000\u007f',
      empty: '',
      utf8: Buffer.from('café', 'utf8'),
      notUtf8: Buffer.from([0x61, 0xc3, 0x28]),
    };
    const encoded = encodedBy(kafkajsRecordCodec!.encode, { key: 'k', value: 'v', headers: { ascii: values.ascii, empty: values.empty, utf8: values.utf8, notUtf8: values.notUtf8 } });
    const decoded = recordCodec!.decode(bodyOf(encoded), { firstOffset: '0', firstTimestamp: '0' });
    expect(decoded.headers).toStrictEqual({ ascii: values.ascii, empty: '', utf8: values.utf8, notUtf8: values.notUtf8 });
  });

  it('is not installed over a produce request that has loaded kafkajs’s own encoder already', () => {
    jest.isolateModules(() => {
      require('kafkajs/src/protocol/requests/produce/v3/request');
      const isolated = require('./record-codec') as typeof import('./record-codec');
      expect(isolated.installRecordCodec()).toBe(false);
      expect(isolated.recordCodec).toBeUndefined();
    });
  });
});
