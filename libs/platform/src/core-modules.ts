import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { BaseEnvironment } from './config';
import { HealthModule, type HealthOptions } from './health';
import { loggingModule } from './logging';
import { MetricsModule } from './metrics';

export interface CoreModuleOptions {
  service: string;
  environment: BaseEnvironment;
  /** The app's Postgres module (libs/persistence `databaseModule`). */
  database: DynamicModule;
  /** What `/health` asks, e.g. libs/persistence `PostgresHealthCheck` and libs/kafka `kafkaHealthCheck(...)`. */
  healthChecks: HealthOptions['checks'];
}

/**
 * The app's validated settings, injectable by their class and by every class it extends
 * (`constructor(private readonly environment: HubApiEnvironment)`, or `BaseEnvironment` in a lib).
 */
@Global()
@Module({})
export class EnvironmentModule {
  static forRoot(environment: BaseEnvironment): DynamicModule {
    const classes: Type<unknown>[] = [];
    for (let type = environment.constructor as Type<unknown>; type !== Object; type = Object.getPrototypeOf(type.prototype).constructor) classes.push(type);
    const providers = classes.map((type) => ({ provide: type, useValue: environment }));
    return { module: EnvironmentModule, global: true, providers, exports: classes };
  }
}

/**
 * The modules every app starts with: its validated configuration, the redacting logger,
 * its database, `/health` and `/metrics`.
 */
export function coreModules({ service, environment, database, healthChecks }: CoreModuleOptions): Array<DynamicModule | Promise<DynamicModule>> {
  return [
    EnvironmentModule.forRoot(environment),
    loggingModule(service, environment.LOG_LEVEL),
    database,
    HealthModule.forRoot({ checks: healthChecks }),
    MetricsModule.forRoot(),
  ];
}
