import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { TEST_KAFKA_BROKERS } from './environment';

export function testKafka(clientId = 'accord-test'): Kafka {
  return new Kafka({ clientId, brokers: TEST_KAFKA_BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
}

/** A participant id no other test uses, so topics never collide between test files. */
export function uniqueParticipant(system = 'adult-social-care'): string {
  return `test-${randomBytes(4).toString('hex')}.${system}`;
}

/** Polls `probe` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
