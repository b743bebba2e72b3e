import { Controller, Get, Inject, Module, Res, ServiceUnavailableException, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Response } from 'express';
import { PUBLIC_ROUTE } from './public-route';

/**
 * One dependency `/health` asks about. The libraries that own a dependency provide its
 * check (libs/persistence: Postgres, libs/kafka: Kafka); this module only asks them.
 */
export interface DependencyCheck {
  /** Up when the dependency answered within `timeoutMs`; down with a message naming no data. */
  check(timeoutMs: number): Promise<HealthIndicatorResult>;
}

/** How long `/health` gives each dependency to answer, unless HealthModule is told otherwise. */
export const HEALTH_TIMEOUT_MS = 2000;

const DEPENDENCY_CHECKS = Symbol('DEPENDENCY_CHECKS');
const TIMEOUT_MS = Symbol('TIMEOUT_MS');

export interface HealthOptions {
  /** Each check's class (or a provider of it), asked in this order. */
  checks: ReadonlyArray<Type<DependencyCheck> | (Provider & { provide: Type<DependencyCheck> })>;
  /** How long each dependency may take to answer before it counts as down. */
  timeoutMs?: number;
}

/** `GET /health`: liveness and readiness in one, 200 when every dependency answers, else 503. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    @Inject(DEPENDENCY_CHECKS) private readonly checks: DependencyCheck[],
    @Inject(TIMEOUT_MS) private readonly timeoutMs: number,
  ) {}

  @Get()
  @PUBLIC_ROUTE()
  @HealthCheck()
  async check(@Res({ passthrough: true }) response: Response) {
    try {
      return await this.health.check(this.checks.map((dependency) => () => dependency.check(this.timeoutMs)));
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
    const tokens = options.checks.map((check) => (typeof check === 'function' ? check : check.provide));
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        ...(options.checks as Provider[]),
        { provide: DEPENDENCY_CHECKS, useFactory: (...checks: DependencyCheck[]) => checks, inject: tokens },
        { provide: TIMEOUT_MS, useValue: options.timeoutMs ?? HEALTH_TIMEOUT_MS },
      ],
    };
  }
}
