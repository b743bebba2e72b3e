import { join } from 'node:path';
import { registerDecorator } from 'class-validator';
import { brokersFrom } from '@accord/kafka';

const BROKER_LIST = /^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/;

/** Empty (meaning: use KAFKA_BROKERS) or a comma-separated `host:port` list. */
export function optionalBrokerListSetting(name: string) {
  return function (target: object, propertyName: string): void {
    registerDecorator({
      name: 'optionalBrokerListSetting',
      target: target.constructor,
      propertyName,
      options: { message: `${name} must be empty or a comma-separated list of host:port` },
      validator: {
        validate: (value: unknown) => value === undefined || value === null || value === '' || (typeof value === 'string' && value.length <= 2000 && BROKER_LIST.test(value)),
      },
    });
  };
}

/** The settings of the participants area, as ParticipantsModule reads them. */
export interface ParticipantSettings {
  NODE_ENV: string;
  KAFKA_BROKERS: string;
  KAFKA_TLS_DIR: string;
  KAFKA_PUBLIC_BROKERS: string;
  ACCORD_CA_CERT_FILE: string;
  ACCORD_CA_KEY_FILE: string;
}

/**
 * Where the partnership CA is read from: the settings when set; outside production the
 * development CA `npm run kafka start` made in KAFKA_TLS_DIR. Production never falls back
 * (the environment validation refuses to start first; this refuses again).
 */
export function certificateAuthorityFiles(settings: ParticipantSettings): { certificate: string; key: string } {
  const production = settings.NODE_ENV === 'production';
  for (const name of ['ACCORD_CA_CERT_FILE', 'ACCORD_CA_KEY_FILE'] as const) {
    if (production && !settings[name]) throw new Error(`${name} must be set in production`);
  }
  return {
    certificate: settings.ACCORD_CA_CERT_FILE || join(settings.KAFKA_TLS_DIR, 'ca.crt'),
    key: settings.ACCORD_CA_KEY_FILE || join(settings.KAFKA_TLS_DIR, 'ca.key'),
  };
}

/** The bootstrap servers partners are told to use. */
export function publicBrokers(settings: Pick<ParticipantSettings, 'KAFKA_BROKERS' | 'KAFKA_PUBLIC_BROKERS'>): string[] {
  return brokersFrom(settings.KAFKA_PUBLIC_BROKERS || settings.KAFKA_BROKERS);
}
