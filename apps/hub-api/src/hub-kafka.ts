import type { ConfigService } from '@nestjs/config';
import type { Kafka } from 'kafkajs';
import { brokersFrom, createKafka, HUB_IDENTITIES, readKafkaIdentity, type KafkaClientOptions } from '@accord/kafka';
import { createLogger } from '@accord/platform';

/**
 * A Kafka client of hub-api's. Every one connects as the hub-api identity (CONTRACT.md §1:
 * its own certificate, its own least-privilege ACLs); they differ only in name and timeouts.
 */
export function hubApiKafka(config: ConfigService, clientId: string, overrides?: KafkaClientOptions['overrides']): Kafka {
  return createKafka({
    clientId,
    brokers: brokersFrom(config.getOrThrow<string>('KAFKA_BROKERS')),
    identity: readKafkaIdentity(config.getOrThrow<string>('KAFKA_TLS_DIR'), HUB_IDENTITIES.hubApi),
    logger: createLogger('hub-api-kafka', config.get<string>('LOG_LEVEL') ?? 'info'),
    overrides,
  });
}
