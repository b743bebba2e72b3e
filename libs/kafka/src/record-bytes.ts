import type { IHeaders } from 'kafkajs';

/**
 * Bytes (keys, values and headers) one produce request carries at most. Kafka refuses a
 * record batch over `message.max.bytes` (1 MB by default) and kafkajs puts all of a
 * request's records for one partition in one batch: without a cap, a few large records
 * bound for one partition would make every retry of their request fail. One record is at
 * most about 330 KB (the record bounds), so a request cut where its bytes reach this cap
 * stays under 1 MB.
 */
export const MAX_PRODUCE_REQUEST_BYTES = 640 * 1024;

/** Bytes of a key, value, header name or header value as Kafka carries it (UTF-8 for text). */
export function byteSize(part: Buffer | string | null | undefined): number {
  if (typeof part === 'string') return Buffer.byteLength(part, 'utf8');
  // Anything but bytes counts nothing (kafkajs's own decoder can hand on an inherited function as a header value, record-codec.ts).
  return Buffer.isBuffer(part) ? part.length : 0;
}

/** The bytes of a record as Kafka carries it: key, value, and every header's name and values. */
export function recordBytes(message: { key?: Buffer | string | null; value: Buffer | string | null; headers?: IHeaders }): number {
  let bytes = byteSize(message.key) + byteSize(message.value);
  if (message.headers) {
    for (const name in message.headers) {
      const header = message.headers[name];
      bytes += byteSize(name);
      if (Array.isArray(header)) for (const part of header) bytes += byteSize(part);
      else bytes += byteSize(header);
    }
  }
  return bytes;
}
