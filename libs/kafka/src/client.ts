import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { installRecordCodec } from './record-codec';

/**
 * How a client proves who it is to Kafka: the CA that signed the Kafka nodes' certificates,
 * and this client's own certificate and private key (PEM). Every listener requires one.
 */
export interface KafkaIdentity {
  ca: string;
  cert: string;
  key: string;
}

/**
 * An identity from a directory laid out as the development PKI lays it out (and as a
 * production secret mount can): `ca.crt`, `<identity>.crt`, `<identity>.key`. The error
 * names the files, never their contents.
 */
export function readKafkaIdentity(directory: string, identity: string): KafkaIdentity {
  const files = { ca: join(directory, 'ca.crt'), cert: join(directory, `${identity}.crt`), key: join(directory, `${identity}.key`) };
  const missing = Object.values(files).filter((file) => {
    try {
      readFileSync(file);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(`the Kafka identity ${identity} is not in KAFKA_TLS_DIR: cannot read ${missing.join(', ')} (npm run kafka start creates the development ones)`);
  }
  return { ca: readFileSync(files.ca, 'utf8'), cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

/** kafkajs' `ssl` setting for an identity: the broker's certificate is verified, and ours is presented. */
export function kafkaSsl(identity: KafkaIdentity): NonNullable<KafkaConfig['ssl']> {
  return { ca: [identity.ca], cert: identity.cert, key: identity.key, rejectUnauthorized: true };
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  /** Who this client is; there is no unauthenticated way to Kafka. */
  identity: KafkaIdentity;
  logger?: Logger;
  /** Overrides for tests and benchmarks (timeouts, retry). */
  overrides?: Partial<KafkaConfig>;
  /**
   * Keep kafkajs's own record encoder and decoder in this process rather than installing
   * record-codec.ts's (only the benchmark's passthrough does: it is the baseline of stock kafkajs).
   */
  stockRecordCodec?: boolean;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose own logs go to the app's redacting pino logger as JSON, at most
 * at `warn` (kafkajs is chatty at info about every group join).
 */
export function createKafka(options: KafkaClientOptions): Kafka {
  const { logger } = options;
  // Before this process first produces or fetches: the codec's modules load lazily, on the first request.
  if (!options.stockRecordCodec && !installRecordCodec()) logger?.warn('the record codec of record-codec.ts is not installed (another kafkajs release, or kafkajs produced or fetched before this client was made): kafkajs encodes and decodes records itself');
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: kafkaSsl(options.identity),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logger ? logLevel.WARN : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      if (!logger) return;
      const { message, ...rest } = entry.log;
      logger[LEVELS[entry.level] ?? 'info']({ kafka: { namespace: entry.namespace, ...rest } }, message);
    },
    ...options.overrides,
  });
}

export function brokersFrom(setting: string): string[] {
  return setting
    .split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
}
