import { Module, type DynamicModule } from '@nestjs/common';
import { HUB_IDENTITIES, kafkaHealthCheck } from '@accord/kafka';
import { coreModules, ERROR_STATUS } from '@accord/platform';
import { databaseModule, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, PostgresHealthCheck } from '@accord/persistence';
import type { HubApiEnvironment } from './environment';
import { AgreementsModule } from './agreements/agreements.module';
import { ConsentsModule } from './consents/consents.module';
import { AUDIT_CHAIN_ERROR_STATUS } from './audit/audit.errors';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CatalogModule } from './catalog/catalog.module';
import { ConsoleModule } from './console/console.module';
import { DeliveryModule } from './delivery/delivery.module';
import { EventsModule } from './events/events.module';
import { FhirModule } from './fhir/fhir.module';
import { HubKafkaModule } from './hub-kafka';
import { OpsModule } from './ops/ops.module';
import { HubOutboxModule } from './outbox';
import { ParticipantsModule } from './participants/participants.module';
import { TopicsModule } from './topics/topics.module';

@Module({})
export class AppModule {
  static forRoot(environment: HubApiEnvironment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules({
          service: 'hub-api',
          environment,
          database: databaseModule('hub-api', { url: environment.DATABASE_URL, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }),
          healthChecks: [PostgresHealthCheck, kafkaHealthCheck(environment, HUB_IDENTITIES.hubApi)],
        }),
        HubKafkaModule,
        HubOutboxModule,
        AuthModule,
        TopicsModule,
        ParticipantsModule.forRoot(environment),
        AgreementsModule,
        ConsentsModule,
        EventsModule,
        DeliveryModule,
        FhirModule,
        OpsModule,
        ConsoleModule,
        AuditModule,
        CatalogModule,
      ],
      // What the exception filter answers for the pure libraries' errors (startHttpApp reads it).
      providers: [{ provide: ERROR_STATUS, useValue: AUDIT_CHAIN_ERROR_STATUS }],
    };
  }
}
