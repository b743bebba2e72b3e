import type { DynamicModule } from '@nestjs/common';
import { kafkaHealthCheck } from '@accord/kafka';
import { databaseModule, PostgresHealthCheck, type DatabaseOptions } from '@accord/persistence';
import { coreModules } from '@accord/platform';
import type { DomainServiceEnvironment } from './environment';

/**
 * A domain service's core modules: configuration, logger, its own schema in Postgres,
 * `/health` (Postgres, and Kafka as `kafkaIdentity`) and `/metrics`.
 */
export function domainServiceCoreModules(
  service: string,
  environment: DomainServiceEnvironment,
  database: Pick<DatabaseOptions, 'schema' | 'entities' | 'migrations'>,
  kafkaIdentity: string,
): Array<DynamicModule | Promise<DynamicModule>> {
  return coreModules({
    service,
    environment,
    database: databaseModule(service, { url: environment.DATABASE_URL, ...database }),
    healthChecks: [PostgresHealthCheck, kafkaHealthCheck(environment, kafkaIdentity)],
  });
}
