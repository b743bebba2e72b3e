import { Module } from '@nestjs/common';
import { brokersFrom, createKafka, HUB_IDENTITIES, readKafkaIdentity } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { InboxController } from './inbox.controller';
import { DELIVERY_KAFKA, InboxCollector } from './inbox-collector';
import { PullFeed } from './pull-feed.service';
import { SubscriptionController } from './subscription.controller';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookOpsController } from './webhook-ops.controller';

/**
 * Partner delivery over HTTPS: subscriptions, the collector that holds subscribed
 * participants' inbox records, the pull feed and the signed webhooks. Its Kafka client is its own identity
 * (docs/contract.md, "Identities and ACLs": least privilege), which reads inboxes and nothing else.
 */
@Module({
  controllers: [InboxController, SubscriptionController, WebhookOpsController],
  providers: [
    {
      provide: DELIVERY_KAFKA,
      inject: [HubApiEnvironment],
      useFactory: (environment: HubApiEnvironment) =>
        createKafka({
          clientId: 'accord-partner-delivery',
          brokers: brokersFrom(environment.KAFKA_BROKERS),
          identity: readKafkaIdentity(environment.KAFKA_TLS_DIR, HUB_IDENTITIES.partnerDelivery),
          logger: createLogger('hub-api-delivery-kafka', environment.LOG_LEVEL),
        }),
    },
    InboxCollector,
    PullFeed,
    WebhookDispatcher,
  ],
})
export class DeliveryModule {}
