import type { Kafka } from 'kafkajs';
import type { InboxHandler } from './inbox/inbox-handler';

export const DOMAIN_SERVICE_OPTIONS = Symbol('DOMAIN_SERVICE_OPTIONS');

export interface DomainServiceOptions {
  /** `adult-social-care`, ...: names the consumer group `accord-<service>` and the Kafka client. */
  service: string;
  /** The participants (data controllers) this instance serves; each has its own topics and rows. */
  participants: string[];
  kafkaBrokers: string[];
  /** Advisory-lock namespace of the outbox relay, distinct per schema. */
  lockNamespace: number;
  outboxRetentionHours: number;
  logLevel: string;
  /** What the service does with each event type it may receive in its inbox. */
  inboxHandlers: InboxHandler[];
  /** Replaces the Kafka client the outbox relay publishes with (tests: a client whose network they cut). */
  kafka?: Kafka;
}
