import { Global, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Partitioners, type Kafka } from 'kafkajs';
import { inboxTopic } from '@accord/contracts';
import { createKafka, kafkaSsl, participantGroupPrefix } from '@accord/kafka';
import { createLogger } from '@accord/platform';
import { DomainAuthGuard } from './auth/domain-auth.guard';
import { HubTokens } from './auth/hub-tokens';
import { InboxController, InboxListener } from './inbox/inbox.controller';
import { InboxServer } from './inbox/inbox.server';
import { InboxService } from './inbox/inbox.service';
import { WorkItemEntity } from './inbox/work-item.entity';
import { DOMAIN_SERVICE_OPTIONS, type DomainServiceOptions } from './options';
import { KAFKA_CLIENT, OutboxPublisher, type ParticipantKafka } from './outbox/outbox-publisher';
import { RecordWriter } from './records/record-writer';
import { PARTICIPANTS } from './tenancy/tenancy';

/** Tables the domain-service plumbing owns in each service's schema (besides the outbox). */
export const DOMAIN_SERVICE_ENTITIES = [WorkItemEntity];

/**
 * What the three domain services share: bearer-token authentication and tenancy (the
 * token's participant is the controller a request acts for), the record + outbox writer
 * and its relay, and the inbox that turns shared records into work items. Each service
 * imports it once, with its participants, hub URL and inbox handlers.
 */
@Global()
@Module({})
export class DomainServiceModule {
  static forRoot(options: DomainServiceOptions): DynamicModule {
    return {
      module: DomainServiceModule,
      imports: [TypeOrmModule.forFeature([WorkItemEntity])],
      controllers: [InboxController, InboxListener],
      providers: [
        { provide: DOMAIN_SERVICE_OPTIONS, useValue: options },
        { provide: PARTICIPANTS, useValue: options.participants },
        HubTokens,
        { provide: APP_GUARD, useClass: DomainAuthGuard },
        {
          provide: KAFKA_CLIENT,
          useFactory: (): ParticipantKafka => {
            const logger = createLogger(options.service, options.logLevel);
            const clients = new Map<string, Kafka>();
            const build = (participant: string) =>
              options.kafka?.(participant) ??
              createKafka({ clientId: `accord-${options.service}`, brokers: options.kafkaBrokers, identity: options.kafkaIdentity(participant), logger });
            return (participant) => {
              let client = clients.get(participant);
              if (!client) clients.set(participant, (client = build(participant)));
              return client;
            };
          },
        },
        OutboxPublisher,
        RecordWriter,
        InboxService,
      ],
      exports: [PARTICIPANTS, RecordWriter, OutboxPublisher, KAFKA_CLIENT],
    };
  }
}

/** A participant's consumer group for its inbox: inside the `<participant>.` prefix its ACLs allow. */
export function inboxGroupId(participant: string, service: string): string {
  return `${participantGroupPrefix(participant)}accord-${service}-inbox`;
}

/**
 * Starts consuming the service's inbox topics with Nest's Kafka transport: one consumer
 * per participant served, each connected as that participant. The hub registers the
 * participants (topics and ACLs) before the services start.
 */
export async function connectInbox(app: INestApplication): Promise<void> {
  const options = app.get<DomainServiceOptions>(DOMAIN_SERVICE_OPTIONS);
  for (const participant of options.participants) {
    app.connectMicroservice(
      {
        strategy: new InboxServer([inboxTopic(participant)], {
          client: { clientId: `accord-${options.service}`, brokers: options.kafkaBrokers, ssl: kafkaSsl(options.kafkaIdentity(participant)) },
          consumer: { groupId: inboxGroupId(participant, options.service), allowAutoTopicCreation: false },
          // The transport's own producer is unused here; naming the default partitioner silences kafkajs' v2 notice.
          producer: { createPartitioner: Partitioners.DefaultPartitioner },
          subscribe: { fromBeginning: true },
          run: { partitionsConsumedConcurrently: 3 },
        }),
      },
      { inheritAppConfig: false },
    );
  }
  await app.startAllMicroservices();
}
