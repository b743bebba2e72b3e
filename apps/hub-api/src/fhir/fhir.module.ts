import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { AuditModule } from '../audit';
import { ConsentsModule } from '../consents';
import { fhirBody } from './fhir-body.middleware';
import { FhirController } from './fhir.controller';

/** FHIR R4 for NHS partners: AuditEvent search over the sharing log, and Consent recorded as a statement. */
@Module({
  imports: [AuditModule, ConsentsModule],
  controllers: [FhirController],
})
export class FhirModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(fhirBody).forRoutes(FhirController);
  }
}
