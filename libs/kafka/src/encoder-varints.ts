/** What this module relies on of kafkajs's protocol Encoder (kafkajs/src/protocol/encoder.js, 2.2.4). */
interface EncoderInternals {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderInternals;
}

/** The kafkajs release whose Encoder this module was written against (its last, 2.2.4). */
const KAFKAJS_VERSION = '2.2.4';

/** The Encoder's own writeUVarInt, as kafkajs ships it (for the equality test). */
export let kafkajsWriteUVarInt: ((this: EncoderInternals, value: number) => EncoderInternals) | undefined;

/**
 * Makes kafkajs write each unsigned varint (every record's length, offset delta, key and
 * value lengths, header count, and each header's name and value lengths) straight into the
 * encoder's buffer. kafkajs's own `writeUVarInt` builds an array and a Buffer of it for every
 * varint, so a produced record costs some thirty of each: a large part of what the broker
 * allocates per record. The bytes are the same, LEB128 of the same 32-bit value
 * (encoder-varints.spec.ts compares the two for any value). Applied once, process-wide, and
 * only to the kafkajs release it was written against: any other keeps its own.
 */
export function writeVarintsInPlace(): boolean {
  // kafkajs exposes no encoder: its module is reached by path, and its version checked first.
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== KAFKAJS_VERSION) return false;
  const Encoder = require('kafkajs/src/protocol/encoder') as { prototype: EncoderInternals };
  if (kafkajsWriteUVarInt !== undefined) return true;
  kafkajsWriteUVarInt = Encoder.prototype.writeUVarInt;
  Encoder.prototype.writeUVarInt = function writeUVarInt(this: EncoderInternals, value: number) {
    // At most five bytes for 32 bits.
    this.ensureAvailable(5);
    this.offset = writeUVarIntAt(this.buf, this.offset, value);
    return this;
  };
  return true;
}

/**
 * Writes the unsigned varint (LEB128) of a 32-bit value at `offset`, as kafkajs's
 * writeUVarInt loops over it, and returns the offset after it. The caller makes room
 * (at most five bytes).
 */
export function writeUVarIntAt(buffer: Buffer, offset: number, value: number): number {
  while ((value & 0xffffff80) !== 0) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buffer[offset++] = value & 0x7f;
  return offset;
}
