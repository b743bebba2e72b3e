import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { brokersFrom, readKafkaIdentity } from '@accord/kafka';
import { dataSourceOptions, openDatabase, type DatabaseOptions } from '@accord/persistence';
import type { BaseEnvironment } from './config';
import { HealthModule } from './health';
import { loggingModule } from './logging';
import { MetricsModule } from './metrics';

export interface CoreModuleOptions {
  service: string;
  environment: BaseEnvironment;
  database: Pick<DatabaseOptions, 'schema' | 'entities' | 'migrations' | 'poolSize'>;
  /** The Kafka identity `/health` connects as (one the app holds anyway). */
  kafkaIdentity: string;
}

/**
 * The modules every app starts with: its validated configuration, the redacting logger,
 * Postgres (database created and migrated at start, under a lock), `/health` and `/metrics`.
 */
export function coreModules({ service, environment, database, kafkaIdentity }: CoreModuleOptions): Array<DynamicModule | Promise<DynamicModule>> {
  return [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ ...environment })] }),
    loggingModule(service, environment.LOG_LEVEL),
    TypeOrmModule.forRootAsync({
      useFactory: () => ({
        ...dataSourceOptions({ url: environment.DATABASE_URL, applicationName: `accord-${service}`, ...database }),
        retryAttempts: 10,
        retryDelay: 2000,
      }),
      dataSourceFactory: async (options) => {
        if (!options) throw new Error('database options missing');
        return openDatabase(options);
      },
    }),
    HealthModule.forRoot({
      kafkaBrokers: brokersFrom(environment.KAFKA_BROKERS),
      kafkaIdentity: readKafkaIdentity(environment.KAFKA_TLS_DIR, kafkaIdentity),
      timeoutMs: 2000,
    }),
    MetricsModule.forRoot(),
  ];
}
