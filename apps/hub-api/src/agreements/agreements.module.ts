import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AgreementsController } from './agreements.controller';
import { AgreementsService } from './agreements.service';
import { SimulationService } from './simulation.service';
import { yamlBody } from './yaml-body.middleware';

/** Data-sharing agreements as code: apply (JSON or YAML), versions, suspend and resume, simulate. */
@Module({
  controllers: [AgreementsController],
  providers: [AgreementsService, SimulationService],
  exports: [AgreementsService],
})
export class AgreementsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(yamlBody).forRoutes(AgreementsController);
  }
}
