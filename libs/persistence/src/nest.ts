import { Injectable, type DynamicModule } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DependencyCheck } from '@accord/platform';
import { dataSourceOptions, openDatabase, type DatabaseOptions } from './database';

/**
 * An app's Postgres as a Nest module: the database created if missing and migrated at
 * start (under the migration lock), the connection retried while Postgres is not up yet.
 */
export function databaseModule(service: string, options: Omit<DatabaseOptions, 'applicationName'>): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({
      ...dataSourceOptions({ ...options, applicationName: `accord-${service}` }),
      retryAttempts: 10,
      retryDelay: 2000,
    }),
    dataSourceFactory: async (dataSourceOptions) => {
      if (!dataSourceOptions) throw new Error('database options missing');
      return openDatabase(dataSourceOptions);
    },
  });
}

/** Postgres is up when it answers a `SELECT 1` within the timeout (for HealthModule). */
@Injectable()
export class PostgresHealthCheck implements DependencyCheck {
  constructor(private readonly database: TypeOrmHealthIndicator) {}

  check(timeoutMs: number) {
    return this.database.pingCheck('postgres', { timeout: timeoutMs });
  }
}
