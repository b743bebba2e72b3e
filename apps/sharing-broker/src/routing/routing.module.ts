import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { brokersFrom, createKafka, HUB_IDENTITIES, readKafkaIdentity } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import type { SharingBrokerEnvironment } from '../environment';
import { AgreementCache } from './agreement-cache';
import { BatchRouter } from './batch-router';
import { BrokerConsumer } from './broker-consumer';
import { DecisionWriter } from './decision-writer';
import { BROKER_KAFKA, RecordProducer } from './record-producer';

export interface RoutingOptions {
  /** A Kafka client to use instead of one built from KAFKA_BROKERS (tests cut its network). */
  kafka?: Kafka;
}

/** The data plane: consume events, decide, record, deliver. */
@Module({})
export class RoutingModule {
  static forRoot(environment: SharingBrokerEnvironment, options: RoutingOptions = {}): DynamicModule {
    return {
      module: RoutingModule,
      providers: [
        {
          provide: BROKER_KAFKA,
          useFactory: () =>
            options.kafka ??
            createKafka({
              clientId: 'accord-sharing-broker',
              brokers: brokersFrom(environment.KAFKA_BROKERS),
              identity: readKafkaIdentity(environment.KAFKA_TLS_DIR, HUB_IDENTITIES.sharingBroker),
              logger: createLogger('sharing-broker', environment.LOG_LEVEL),
            }),
        },
        AgreementCache,
        DecisionWriter,
        RecordProducer,
        BatchRouter,
        BrokerConsumer,
      ],
      exports: [BrokerConsumer, BatchRouter, RecordProducer],
    };
  }
}
