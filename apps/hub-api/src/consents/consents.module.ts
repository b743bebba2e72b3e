import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { brokersFrom, createKafka } from '@accord/kafka';
import { createLogger } from '@accord/platform';
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
      useFactory: (config: ConfigService) =>
        createKafka({
          clientId: 'accord-hub-api-consents',
          brokers: brokersFrom(config.getOrThrow<string>('KAFKA_BROKERS')),
          logger: createLogger('hub-api-kafka', config.get<string>('LOG_LEVEL') ?? 'info'),
        }),
    },
  ],
})
export class ConsentsModule {}
