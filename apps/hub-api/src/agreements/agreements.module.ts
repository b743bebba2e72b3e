import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hubApiKafka } from '../hub-kafka';
import { AgreementsController } from './agreements.controller';
import { AgreementsService } from './agreements.service';
import { AGREEMENTS_KAFKA, SimulationService } from './simulation.service';
import { YamlBodyMiddleware } from './yaml-body.middleware';

/** Data-sharing agreements as code: apply (JSON or YAML), versions, suspend and resume, simulate. */
@Module({
  controllers: [AgreementsController],
  providers: [
    AgreementsService,
    SimulationService,
    {
      provide: AGREEMENTS_KAFKA,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => hubApiKafka(config, 'accord-hub-api-simulate'),
    },
  ],
  exports: [AgreementsService],
})
export class AgreementsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(YamlBodyMiddleware).forRoutes(AgreementsController);
  }
}
