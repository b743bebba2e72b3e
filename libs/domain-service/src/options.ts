import type { Kafka } from 'kafkajs';
import { DEFAULT_FAILED_AUTH_LIMITS, type FailedAuthLimits } from '@accord/auth';
import { brokersFrom, readKafkaIdentity, type KafkaIdentity } from '@accord/kafka';
import type { BaseEnvironment } from '@accord/platform';
import type { DomainServiceEnvironment } from './environment';
import type { InboxHandler } from './inbox/inbox-handler';

export const DOMAIN_SERVICE_OPTIONS = Symbol('DOMAIN_SERVICE_OPTIONS');

export interface DomainServiceOptions {
  /** `adult-social-care`, ...: names the consumer group `accord-<service>` and the Kafka client. */
  service: string;
  /** The participants (data controllers) this instance serves; each has its own topics and rows. */
  participants: string[];
  kafkaBrokers: string[];
  /**
   * Each participant's own Kafka identity (certificate subject = participant id): the
   * service publishes and consumes for a participant as that participant, like any partner,
   * so it reaches only that participant's topics.
   */
  kafkaIdentity: (participant: string) => KafkaIdentity;
  /** Advisory-lock namespace of the outbox relay, distinct per schema. */
  lockNamespace: number;
  outboxRetentionHours: number;
  logLevel: string;
  /** What the service does with each event type it may receive in its inbox. */
  inboxHandlers: InboxHandler[];
  /** hub-api's base URL: its token-signing keys and revocation list (ACCORD_HUB_URL). */
  hubUrl: string;
  /** Failed authentications each client address may make (ACCORD_AUTH_FAILURES_PER_MINUTE). */
  failedAuthLimits: FailedAuthLimits;
  /** Replaces the Kafka client the outbox relay publishes a participant's events with (tests: a client whose network they cut). */
  kafka?: (participant: string) => Kafka;
}

/** Where each participant's Kafka identity comes from: `KAFKA_TLS_DIR/<participant>.{crt,key}`. */
export function participantKafka(environment: Pick<BaseEnvironment, 'KAFKA_BROKERS' | 'KAFKA_TLS_DIR'>): Pick<DomainServiceOptions, 'kafkaBrokers' | 'kafkaIdentity'> {
  return {
    kafkaBrokers: brokersFrom(environment.KAFKA_BROKERS),
    kafkaIdentity: (participant) => readKafkaIdentity(environment.KAFKA_TLS_DIR, participant),
  };
}

/** Where callers' bearer tokens are checked, and how many failures an address may make. */
export function hubAuthentication(
  environment: Pick<DomainServiceEnvironment, 'ACCORD_HUB_URL' | 'ACCORD_AUTH_FAILURES_PER_MINUTE'>,
): Pick<DomainServiceOptions, 'hubUrl' | 'failedAuthLimits'> {
  return {
    hubUrl: environment.ACCORD_HUB_URL,
    failedAuthLimits: { ...DEFAULT_FAILED_AUTH_LIMITS, failures: environment.ACCORD_AUTH_FAILURES_PER_MINUTE },
  };
}
