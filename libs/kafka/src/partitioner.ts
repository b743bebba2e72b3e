import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/** MurmurHash2's mixing constant and the seed Kafka's clients use. */
const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** A string key's bytes when they are ASCII (nearly every key), reused from one record to the next. */
const asciiKey = new Uint8Array(512);

/**
 * The partition kafkajs's DefaultPartitioner (Java's key → partition mapping) gives each
 * record, without its per-record garbage: it builds a 64-bit Long object for each step of
 * murmur2 over every four bytes of the key, a Buffer for a string key, and a filtered copy
 * of the partition list, for every record. A keyed record's partition is murmur2 of its key's
 * UTF-8 bytes in 32-bit arithmetic (the low 32 bits of kafkajs's 64-bit steps, which is what
 * it keeps), made positive, modulo the topic's partitions; partitioner.spec.ts compares the
 * two for any key. A record with a partition of its own or without a key is DefaultPartitioner's
 * to place (round robin for the latter), as it always was.
 */
export const KeyHashPartitioner: ICustomPartitioner = () => {
  const others = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    const key = message.key;
    if ((message.partition !== null && message.partition !== undefined) || key === null || key === undefined) return others(args);
    return (keyHash(key) & 0x7fffffff) % partitionMetadata.length;
  };
};

/** murmur2 of a key's UTF-8 bytes, as a signed 32-bit integer (Kafka's `Utils.murmur2`). */
export function keyHash(key: Buffer | string): number {
  if (Buffer.isBuffer(key)) return murmur2(key, key.length);
  const text = String(key);
  if (text.length <= asciiKey.length) {
    let ascii = true;
    for (let index = 0; index < text.length && ascii; index++) {
      const unit = text.charCodeAt(index);
      if (unit > 0x7f) ascii = false;
      else asciiKey[index] = unit;
    }
    if (ascii) return murmur2(asciiKey, text.length);
  }
  const bytes = Buffer.from(text);
  return murmur2(bytes, bytes.length);
}

function murmur2(data: Uint8Array, length: number): number {
  let h = SEED ^ length;
  const whole = length - (length % 4);
  for (let index = 0; index < whole; index += 4) {
    let k = data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length - whole;
  if (rest > 0) {
    if (rest === 3) h ^= data[whole + 2]! << 16;
    if (rest >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}
