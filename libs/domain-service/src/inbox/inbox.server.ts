import { ServerKafka, type KafkaOptions, type MessageHandler } from '@nestjs/microservices';
import type { Consumer } from '@nestjs/microservices/external/kafka.interface';

/** The one `@EventPattern` every inbox topic of the service is routed to. */
export const INBOX_PATTERN = 'accord.inbox';

/**
 * Nest's Kafka transport, subscribed to the service's inbox topics. Which topics those are
 * is configuration (one per participant served), not known when `@EventPattern` decorators
 * are evaluated, so the handler registers under INBOX_PATTERN and this server subscribes to
 * the configured topics and routes each of them to it. Values stay binary: the CloudEvent
 * is decoded by the contracts, headers and all.
 */
export class InboxServer extends ServerKafka {
  constructor(
    private readonly inboxTopics: readonly string[],
    options: NonNullable<KafkaOptions['options']>,
  ) {
    super({ ...options, postfixId: '', parser: { keepBinary: true } });
  }

  override async bindEvents(consumer: Consumer): Promise<void> {
    await consumer.subscribe({ ...(this.options.subscribe ?? {}), topics: [...this.inboxTopics] });
    await consumer.run({ ...(this.options.run ?? {}), eachMessage: this.getMessageHandler() });
  }

  override getHandlerByPattern(pattern: string): MessageHandler | null {
    return super.getHandlerByPattern(this.inboxTopics.includes(pattern) ? INBOX_PATTERN : pattern);
  }
}
