import { Global, Module } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { brokersFrom, createKafka, HUB_IDENTITIES, readKafkaIdentity, type KafkaClientOptions } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import { HubApiEnvironment } from './environment';

/** hub-api's Kafka client for producers, consumers and topic creation, with kafkajs' usual patience. */
export const HUB_KAFKA = Symbol('HUB_KAFKA');

/**
 * hub-api's Kafka client for calls a person or a lock waits on (the ops pages and their DLQ
 * reader and redrive, participant access, which holds the access lock while Kafka answers):
 * about an unhealthy cluster it fails within seconds rather than retrying for half a minute.
 */
export const HUB_KAFKA_FAIL_FAST = Symbol('HUB_KAFKA_FAIL_FAST');

const FAIL_FAST: KafkaClientOptions['overrides'] = {
  connectionTimeout: 3000,
  requestTimeout: 10_000,
  retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
};

/** Both connect as the hub-api identity (docs/contract.md, "Identities and ACLs": its own certificate, its own least-privilege ACLs). */
function hubApiKafka(environment: HubApiEnvironment, clientId: string, overrides?: KafkaClientOptions['overrides']): Kafka {
  return createKafka({
    clientId,
    brokers: brokersFrom(environment.KAFKA_BROKERS),
    identity: readKafkaIdentity(environment.KAFKA_TLS_DIR, HUB_IDENTITIES.hubApi),
    logger: createLogger('hub-api-kafka', environment.LOG_LEVEL),
    overrides,
  });
}

/** hub-api's Kafka clients, built once from its environment; features inject HUB_KAFKA or HUB_KAFKA_FAIL_FAST. */
@Global()
@Module({
  providers: [
    { provide: HUB_KAFKA, inject: [HubApiEnvironment], useFactory: (environment: HubApiEnvironment) => hubApiKafka(environment, 'accord-hub-api') },
    {
      provide: HUB_KAFKA_FAIL_FAST,
      inject: [HubApiEnvironment],
      useFactory: (environment: HubApiEnvironment) => hubApiKafka(environment, 'accord-hub-api-fail-fast', FAIL_FAST),
    },
  ],
  exports: [HUB_KAFKA, HUB_KAFKA_FAIL_FAST],
})
export class HubKafkaModule {}
