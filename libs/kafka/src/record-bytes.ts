import type { IHeaders } from 'kafkajs';

/** Bytes of a key, value, header name or header value as Kafka carries it (UTF-8 for text). */
export function byteSize(part: Buffer | string | null | undefined): number {
  if (part === null || part === undefined) return 0;
  return Buffer.isBuffer(part) ? part.length : Buffer.byteLength(part, 'utf8');
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
