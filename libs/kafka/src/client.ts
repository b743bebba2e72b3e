import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger?: Logger;
  /** Overrides for tests and benchmarks (timeouts, retry). */
  overrides?: Partial<KafkaConfig>;
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
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
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
