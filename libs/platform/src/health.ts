import { Controller, Get, Inject, Injectable, Module, Res, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TerminusModule,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaSsl, type KafkaIdentity } from '@accord/kafka';
import type { Response } from 'express';
import { PUBLIC_ROUTE } from './public-route';

export const HEALTH_OPTIONS = Symbol('HEALTH_OPTIONS');

export interface HealthOptions {
  kafkaBrokers: string[];
  kafkaIdentity: KafkaIdentity;
  /** How long each dependency may take to answer before it counts as down. */
  timeoutMs?: number;
}

/** Kafka is up when the cluster answers a metadata request within the timeout. */
@Injectable()
export class KafkaHealthIndicator {
  private readonly kafka: Kafka;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {
    this.kafka = new Kafka({
      clientId: 'accord-health',
      brokers: options.kafkaBrokers,
      ssl: kafkaSsl(options.kafkaIdentity),
      connectionTimeout: options.timeoutMs ?? 3000,
      requestTimeout: options.timeoutMs ?? 3000,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
  }

  async check(key = 'kafka') {
    const indicator = this.indicators.check(key);
    const admin = this.kafka.admin();
    try {
      const cluster = await withTimeout(
        admin.connect().then(() => admin.describeCluster()),
        this.options.timeoutMs ?? 3000,
      );
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : 'unreachable' });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
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

/** `GET /health`: liveness and readiness in one, 200 when Kafka and Postgres answer, else 503. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly kafka: KafkaHealthIndicator,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get()
  @PUBLIC_ROUTE()
  @HealthCheck()
  async check(@Res({ passthrough: true }) response: Response) {
    const timeout = this.options.timeoutMs ?? 3000;
    try {
      return await this.health.check([
        () => this.database.pingCheck('postgres', { timeout }),
        () => this.kafka.check('kafka'),
      ]);
    } catch (error) {
      // 503 with terminus' body (which dependency is down and why), not the generic error format.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      response.status(503);
      return error.getResponse();
    }
  }
}

@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }, KafkaHealthIndicator],
      exports: [KafkaHealthIndicator],
    };
  }
}
