import type { IHeaders } from 'kafkajs';
import { writeUVarIntAt, writeVarintsInPlace } from './encoder-varints';

/*
 * kafkajs 2.2.4's record encoder and decoder (kafkajs/src/protocol/recordBatch/record/v0),
 * replaced in the process by ones that write and read the same bytes with less work:
 *
 * - encoding, kafkajs builds an Encoder per record and one more per header, each a zeroed
 *   512-byte buffer, then copies the headers' buffers into the record's: about 5 KB
 *   allocated for an inbox record of 600 bytes. `encodeRecord` sizes the record first and
 *   writes it into one buffer of exactly that size.
 * - decoding, kafkajs merges each record's headers into an object by spreading the object
 *   so far once per header (quadratic in headers), and works out every offset and timestamp
 *   through BigInt. `decodeRecord` adds each header in place and uses Number arithmetic where
 *   it is exact. A header value whose bytes are all ASCII is read as its text (what strict
 *   UTF-8 decoding gives), not as a Buffer its reader decodes again; any other stays bytes.
 *
 * The decoder also mends what a partner could abuse: kafkajs's merge looks each header name
 * up as a property of a plain object, so a header named `toString` or `constructor` met the
 * inherited function and came out as [function, bytes], and `__proto__` as [{}, bytes].
 * Here a record's headers are its own: every name maps to its value (or its values, in
 * order, when it repeats), whatever the name.
 *
 * Only kafkajs 2.2.4 is patched (record-codec.spec.ts compares the bytes and the decoded
 * records with kafkajs's own for generated records); any other release keeps its own.
 */

/** kafkajs's protocol Encoder, as this module uses it. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}

/** kafkajs's protocol Decoder, as this module uses it. */
interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readVarInt(): number;
  readVarLong(): KafkajsLong;
  readVarIntString(): string | null;
  readVarIntBytes(): Buffer | null;
}

/** kafkajs's 64-bit integer (utils/long.js, BigInt inside). */
interface KafkajsLong {
  add(other: KafkajsLong | number): KafkajsLong;
  toString(): string;
}

interface LongClass {
  fromValue(value: string | number | KafkajsLong): KafkajsLong;
}

/** What kafkajs's record encoder takes (produce/v3/request.js). */
export interface RecordToEncode {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: unknown;
  value?: unknown;
  headers?: IHeaders;
  [other: string]: unknown;
}

/** What kafkajs's record decoder is given of the record batch (recordBatch/v0/decoder.js). */
export interface RecordBatchContext {
  firstOffset?: string;
  firstTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
  [other: string]: unknown;
}

type RecordEncoder = (record: RecordToEncode) => KafkajsEncoder;
type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: RecordBatchContext) => DecodedRecord;

/** A record as kafkajs's consumer hands it on. */
export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string | undefined;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  isControlRecord: boolean;
  batchContext: RecordBatchContext;
}

const MODULES = {
  encoder: 'kafkajs/src/protocol/encoder',
  long: 'kafkajs/src/utils/long',
  timestampTypes: 'kafkajs/src/protocol/timestampTypes',
  recordEncoder: 'kafkajs/src/protocol/recordBatch/record/v0/index',
  recordDecoder: 'kafkajs/src/protocol/recordBatch/record/v0/decoder',
  /** The modules that take the record encoder and decoder when they load: they must load after the swap. */
  produceRequest: 'kafkajs/src/protocol/requests/produce/v3/request',
  batchDecoder: 'kafkajs/src/protocol/recordBatch/v0/decoder',
} as const;

/** kafkajs's own encoder and decoder, kept for the comparison tests; set once installed. */
export let kafkajsRecordCodec: { encode: RecordEncoder; decode: RecordDecoder } | undefined;

/** Our encoder and decoder, bound to kafkajs's classes; set once installed. */
export let recordCodec: { encode: RecordEncoder; decode: RecordDecoder } | undefined;

/**
 * Makes every kafkajs client of this process encode and decode records with this module
 * (and write varints in place, encoder-varints.ts). Call it before the process first
 * produces or fetches: `createKafka` does. True when installed; false when kafkajs is
 * another release, or when its produce request or batch decoder had loaded already (they
 * hold the record codec they loaded with).
 */
export function installRecordCodec(): boolean {
  if (recordCodec !== undefined) return true;
  // The varint writer checks the kafkajs release, the one this module was written against too.
  if (!writeVarintsInPlace()) return false;
  if (isLoaded(MODULES.produceRequest) || isLoaded(MODULES.batchDecoder)) return false;
  const Encoder = require(MODULES.encoder) as { prototype: KafkajsEncoder };
  const Long = require(MODULES.long) as LongClass;
  const { LOG_APPEND_TIME } = require(MODULES.timestampTypes) as { LOG_APPEND_TIME: number };
  const original = { encode: require(MODULES.recordEncoder) as RecordEncoder, decode: require(MODULES.recordDecoder) as RecordDecoder };
  const ours = {
    encode: recordEncoder(Encoder.prototype, original.encode),
    decode: recordDecoder(Long, LOG_APPEND_TIME),
  };
  moduleOf(MODULES.recordEncoder).exports = ours.encode;
  moduleOf(MODULES.recordDecoder).exports = ours.decode;
  kafkajsRecordCodec = original;
  recordCodec = ours;
  return true;
}

function isLoaded(name: string): boolean {
  return require.cache[require.resolve(name)] !== undefined;
}

function moduleOf(name: string): NodeJS.Module {
  const module = require.cache[require.resolve(name)];
  if (!module) throw new Error(`${name} is not loaded`);
  return module;
}

/**
 * Sets one header on a record's headers as an own property, whatever its name (a plain
 * assignment of `__proto__` would replace the object's prototype instead).
 */
export function defineHeader<T>(headers: Record<string, T>, name: string, value: T): void {
  if (name === '__proto__') Object.defineProperty(headers, name, { value, writable: true, enumerable: true, configurable: true });
  else headers[name] = value;
}

/** Bytes of a key, value or header value as kafkajs writes it, or -1 for null; undefined for what kafkajs would not take. */
function sizeOf(part: unknown): number | undefined {
  if (part === null || part === undefined) return -1;
  if (typeof part === 'string') return Buffer.byteLength(part, 'utf8');
  if (Buffer.isBuffer(part)) return part.length;
  return undefined;
}

/** Bytes of a varint of the (already zigzagged, unsigned 32-bit) value. */
function uvarintSize(value: number): number {
  let bytes = 1;
  while ((value & 0xffffff80) !== 0) {
    bytes++;
    value >>>= 7;
  }
  return bytes;
}

function zigzag(value: number): number {
  return (value << 1) ^ (value >> 31);
}

/** Largest timestamp delta written with Number arithmetic: its zigzag stays an exact integer. */
const MAX_EXACT_DELTA = 2 ** 51;

/** The zigzag of a 64-bit value within ±MAX_EXACT_DELTA, as a Number. */
function zigzag64(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

function uvarlongSize(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    bytes++;
    value = Math.floor(value / 0x80);
  }
  return bytes;
}

function writeUVarLong(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buffer[offset++] = value;
  return offset;
}

/** Writes a length-prefixed part of `size` bytes (-1: null). */
function writePart(buffer: Buffer, offset: number, part: unknown, size: number): number {
  offset = writeUVarIntAt(buffer, offset, zigzag(size));
  if (size <= 0) return offset;
  if (typeof part === 'string') buffer.write(part, offset, size, 'utf8');
  else (part as Buffer).copy(buffer, offset);
  return offset + size;
}

/** A header's name and one of its values, with their sizes. */
interface HeaderPart {
  name: string;
  nameSize: number;
  value: unknown;
  valueSize: number;
}

/**
 * kafkajs's record encoder (record/v0/index.js) writing into one buffer of the record's
 * size: the same bytes for every record kafkajs encodes; anything else (a timestamp delta
 * that is not an integer, a key, value or header of another type) goes to kafkajs's own,
 * which encodes it or throws as it always did.
 */
function recordEncoder(encoderPrototype: KafkajsEncoder, kafkajs: RecordEncoder): RecordEncoder {
  return (record) => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = record;
    const keySize = sizeOf(key);
    const valueSize = sizeOf(value);
    if (
      keySize === undefined ||
      valueSize === undefined ||
      !Number.isInteger(offsetDelta) ||
      !Number.isInteger(timestampDelta) ||
      Math.abs(timestampDelta) > MAX_EXACT_DELTA ||
      typeof headers !== 'object' ||
      headers === null
    ) {
      return kafkajs(record);
    }
    const parts: HeaderPart[] = [];
    for (const name of Object.keys(headers)) {
      const header = headers[name];
      const nameSize = Buffer.byteLength(name, 'utf8');
      for (const part of Array.isArray(header) ? header : [header]) {
        // kafkajs sizes a header value with Buffer.byteLength, which throws on null and on anything but text and bytes.
        const valueSize = part === null || part === undefined ? undefined : sizeOf(part);
        if (valueSize === undefined) return kafkajs(record);
        parts.push({ name, nameSize, value: part, valueSize });
      }
    }
    let headersSize = uvarintSize(zigzag(parts.length));
    for (const part of parts) headersSize += uvarintSize(zigzag(part.nameSize)) + part.nameSize + uvarintSize(zigzag(part.valueSize)) + part.valueSize;
    const timestamp = zigzag64(timestampDelta);
    const bodySize =
      1 +
      uvarlongSize(timestamp) +
      uvarintSize(zigzag(offsetDelta)) +
      uvarintSize(zigzag(keySize)) +
      Math.max(keySize, 0) +
      uvarintSize(zigzag(valueSize)) +
      Math.max(valueSize, 0) +
      headersSize;
    const size = uvarintSize(zigzag(bodySize)) + bodySize;
    // Every byte is written below (checked at the end), so the buffer need not be zeroed first.
    const buffer = Buffer.allocUnsafe(size);
    let offset = writeUVarIntAt(buffer, 0, zigzag(bodySize));
    buffer[offset++] = 0; // attributes: none used at record level
    offset = writeUVarLong(buffer, offset, timestamp);
    offset = writeUVarIntAt(buffer, offset, zigzag(offsetDelta));
    offset = writePart(buffer, offset, key, keySize);
    offset = writePart(buffer, offset, value, valueSize);
    offset = writeUVarIntAt(buffer, offset, zigzag(parts.length));
    for (const part of parts) {
      offset = writePart(buffer, offset, part.name, part.nameSize);
      offset = writePart(buffer, offset, part.value, part.valueSize);
    }
    if (offset !== size) throw new Error(`record encoder: wrote ${offset} bytes of ${size}`);
    // A kafkajs Encoder holding the record, as the record batch expects one.
    const encoder = Object.create(encoderPrototype) as KafkajsEncoder;
    encoder.buf = buffer;
    encoder.offset = size;
    return encoder;
  };
}

/**
 * kafkajs's record decoder (record/v0/decoder.js): the same record for every record kafkajs
 * decodes, but for headers named like Object.prototype's members (see the top of this file).
 */
function recordDecoder(Long: LongClass, logAppendTime: number): RecordDecoder {
  // A batch's records share its first offset and timestamp: each is read as a Number once.
  let lastBase: string | undefined;
  let lastNumber = NaN;
  /** base (a 64-bit integer in decimal) + delta, in decimal. */
  const plus = (base: string | undefined, delta: number | KafkajsLong): string => {
    if (typeof delta === 'number' && base !== undefined) {
      if (base !== lastBase) {
        const number = Number(base);
        // Only a safe integer written as kafkajs writes one (BigInt reads more, such as hex).
        lastNumber = Number.isSafeInteger(number) && String(number) === base ? number : NaN;
        lastBase = base;
      }
      const sum = lastNumber + delta;
      if (Number.isSafeInteger(sum)) return String(sum);
    }
    return Long.fromValue(base as string)
      .add(typeof delta === 'number' ? Long.fromValue(delta) : delta)
      .toString();
  };
  return (decoder, batchContext = {}) => {
    const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
    const attributes = decoder.readInt8();
    const timestampDelta = readVarLong(decoder);
    const timestamp = timestampType === logAppendTime && maxTimestamp ? maxTimestamp : plus(firstTimestamp, timestampDelta);
    const offset = plus(firstOffset, decoder.readVarInt());
    const key = decoder.readVarIntBytes();
    const value = decoder.readVarIntBytes();
    const count = decoder.readVarInt();
    // As kafkajs's readVarIntArray: -1 is none, any other negative count is refused.
    if (count < -1) throw new RangeError('Invalid array length');
    const headers: Record<string, HeaderValue | Array<HeaderValue>> = {};
    for (let index = 0; index < count; index++) {
      const name = String(decoder.readVarIntString());
      const header = readHeaderValue(decoder);
      const earlier = Object.hasOwn(headers, name) ? headers[name] : undefined;
      defineHeader(headers, name, earlier === undefined ? header : Array.isArray(earlier) ? [...earlier, header] : [earlier, header]);
    }
    return { magicByte, attributes, timestamp, offset, key, value, headers: headers as IHeaders, isControlRecord: isControlBatch, batchContext };
  };
}

type HeaderValue = Buffer | string | null;

/**
 * A header value as kafkajs's `readVarIntBytes` reads it, but as text when every byte of
 * it is ASCII: the text strict UTF-8 decoding would give, without a Buffer made for it
 * first. CloudEvents attributes are ASCII (ids, URIs, type names, times), and each Buffer
 * was an object that lived as long as its record, to be decoded again by its reader. Any
 * other value (UTF-8 beyond ASCII, or bytes that are not UTF-8 at all) stays bytes, as
 * kafkajs reads them, for its reader to judge.
 */
function readHeaderValue(decoder: KafkajsDecoder): HeaderValue {
  const length = decoder.readVarInt();
  if (length === -1) return null;
  const { buffer, offset } = decoder;
  const end = offset + length;
  decoder.offset = end;
  if (length >= 0 && end <= buffer.length && isAscii(buffer, offset, end)) return buffer.toString('latin1', offset, end);
  // kafkajs's reading, whatever the length: a slice (short or empty when the length overruns or is negative).
  return buffer.slice(offset, end);
}

function isAscii(buffer: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (buffer[index]! > 0x7f) return false;
  return true;
}

/**
 * A zigzag varlong as a Number when it has at most seven bytes (under 2^49, exact);
 * otherwise kafkajs's own reading of it, as a Long.
 */
function readVarLong(decoder: KafkajsDecoder): number | KafkajsLong {
  const { buffer } = decoder;
  const start = decoder.offset;
  let result = 0;
  let scale = 1;
  for (let index = 0; index < 7; index++) {
    const byte = buffer[start + index];
    if (byte === undefined) break;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      decoder.offset = start + index + 1;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 0x80;
  }
  return decoder.readVarLong();
}
