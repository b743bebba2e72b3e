import type { FactoryProvider } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HEALTH_TIMEOUT_MS, type DependencyCheck } from '@accord/platform';
import { Kafka, logLevel } from 'kafkajs';
import { brokersFrom, kafkaSsl, readKafkaIdentity } from './client';

/** Kafka is up when the cluster answers a metadata request within the timeout. */
export class KafkaHealthCheck implements DependencyCheck {
  private readonly kafka: Kafka;

  constructor(
    private readonly indicators: HealthIndicatorService,
    brokers: string[],
    ssl: ReturnType<typeof kafkaSsl>,
    timeoutMs: number,
  ) {
    this.kafka = new Kafka({
      clientId: 'accord-health',
      brokers,
      ssl,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
  }

  async check(timeoutMs: number) {
    const indicator = this.indicators.check('kafka');
    const admin = this.kafka.admin();
    try {
      const cluster = await withTimeout(
        admin.connect().then(() => admin.describeCluster()),
        timeoutMs,
      );
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : 'unreachable' });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

/**
 * The `/health` check of Kafka for HealthModule: the app's brokers and settings directory,
 * connecting as `identity` (one the app holds anyway).
 */
export function kafkaHealthCheck(
  settings: { readonly KAFKA_BROKERS: string; readonly KAFKA_TLS_DIR: string },
  identity: string,
  timeoutMs = HEALTH_TIMEOUT_MS,
): FactoryProvider<KafkaHealthCheck> & { provide: typeof KafkaHealthCheck } {
  return {
    provide: KafkaHealthCheck,
    useFactory: (indicators: HealthIndicatorService) =>
      new KafkaHealthCheck(indicators, brokersFrom(settings.KAFKA_BROKERS), kafkaSsl(readKafkaIdentity(settings.KAFKA_TLS_DIR, identity)), timeoutMs),
    inject: [HealthIndicatorService],
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
