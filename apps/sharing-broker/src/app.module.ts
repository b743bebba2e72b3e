import { Module, type DynamicModule } from '@nestjs/common';
import { HUB_IDENTITIES, kafkaHealthCheck } from '@accord/kafka';
import { coreModules } from '@accord/platform';
import { databaseModule, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, PostgresHealthCheck } from '@accord/persistence';
import type { SharingBrokerEnvironment } from './environment';
import { RoutingModule, type RoutingOptions } from './routing/routing.module';

@Module({})
export class AppModule {
  static forRoot(environment: SharingBrokerEnvironment, options: RoutingOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules({
          service: 'sharing-broker',
          environment,
          database: databaseModule('sharing-broker', {
            url: environment.DATABASE_URL,
            schema: HUB_SCHEMA,
            entities: HUB_ENTITIES,
            migrations: HUB_MIGRATIONS,
            // A connection for each batch under way (its agreement and consent reads) and the decision writer's.
            poolSize: environment.BROKER_CONSUMERS * environment.BROKER_PARTITIONS_CONCURRENTLY + 2,
            // Its statements look rows up by lists of keys: Postgres planned the consent read
            // again at every execution, and did less work per event without (bench/RESULTS.md,
            // thirteenth run).
            genericPlans: true,
          }),
          healthChecks: [PostgresHealthCheck, kafkaHealthCheck(environment, HUB_IDENTITIES.sharingBroker)],
        }),
        RoutingModule.forRoot(environment, options),
      ],
    };
  }
}
