import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { hubApiKafka } from '../hub-kafka';
import { ConsentOutbox, CONSENTS_KAFKA } from './consent-outbox';
import { ConsentsController } from './consents.controller';
import { ConsentsService } from './consents.service';

/** The consent registry: statements (keyed hashes only), consent-change records and notices to recipients. */
@Module({
  controllers: [ConsentsController],
  providers: [
    ConsentsService,
    ConsentOutbox,
    {
      provide: CONSENTS_KAFKA,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => hubApiKafka(config, 'accord-hub-api-consents'),
    },
  ],
})
export class ConsentsModule {}
