import { Module, type DynamicModule } from '@nestjs/common';
import { coreModules } from '@accord/platform';
import { HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA } from '@accord/persistence';
import type { SharingBrokerEnvironment } from './environment';

@Module({})
export class AppModule {
  static forRoot(environment: SharingBrokerEnvironment): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...coreModules({
          service: 'sharing-broker',
          environment,
          database: { schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS },
        }),
      ],
    };
  }
}
