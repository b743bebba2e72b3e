import { IsString, Matches } from 'class-validator';
import { DEVELOPMENT_DEFAULTS, integerSetting, portSetting, secretSetting } from '@accord/platform';
import { AuditEnvironment, ED25519_PRIVATE_KEY_FORMAT } from './audit/audit.environment';
import { optionalBrokerListSetting } from './participants/participants.settings';

export const DEVELOPMENT_ADMIN_TOKEN = DEVELOPMENT_DEFAULTS.adminToken;

/** hub-api's settings; the audit log's (signing key, checkpoints, retention) come from AuditEnvironment. */
export class HubApiEnvironment extends AuditEnvironment {
  @portSetting('HUB_API_PORT')
  HUB_API_PORT: number = 3000;

  /**
   * The first admin token, without spaces: at least 16 characters, 32 in production, where
   * the development default (which `npm start` prints) is refused.
   */
  @secretSetting('ACCORD_ADMIN_TOKEN', { minLength: 16, noWhitespace: true })
  ACCORD_ADMIN_TOKEN: string = DEVELOPMENT_ADMIN_TOKEN;

  /**
   * Ed25519 private key (PKCS#8 PEM, `\n` escapes allowed, or base64 of PEM or DER) that
   * signs every bearer token hub-api issues; its public half is served at
   * `/.well-known/jwks.json`. A key of its own: not the audit signing key. Required in
   * production; elsewhere unset means the key kept in ACCORD_TOKEN_DEVELOPMENT_KEY_FILE.
   */
  @secretSetting('ACCORD_TOKEN_SIGNING_KEY', {
    kind: 'key',
    format: ED25519_PRIVATE_KEY_FORMAT,
    developmentDefault: 'the key kept in ACCORD_TOKEN_DEVELOPMENT_KEY_FILE',
    hint: 'generate one with: openssl genpkey -algorithm ed25519',
  })
  ACCORD_TOKEN_SIGNING_KEY: string = '';

  /** Where the development token signing key is kept when ACCORD_TOKEN_SIGNING_KEY is unset (created on first start). */
  @IsString()
  ACCORD_TOKEN_DEVELOPMENT_KEY_FILE: string = '.run/token-development-signing-key.pem';

  /** Topic health: the sliding window rates and consumer group statuses are computed over (docs/contract.md, "Topic health"). */
  @integerSetting('OPS_WINDOW_MS', 2000, 3_600_000)
  OPS_WINDOW_MS: number = 60_000;

  /** How often the hub samples end offsets and committed offsets (also sampled on demand). */
  @integerSetting('OPS_SAMPLE_INTERVAL_MS', 200, 60_000)
  OPS_SAMPLE_INTERVAL_MS: number = 5000;

  /** How far back the console's throughput and lag chart (and lag in seconds) can look. */
  @integerSetting('OPS_HISTORY_MINUTES', 1, 240)
  OPS_HISTORY_MINUTES: number = 15;

  /**
   * The partnership CA's certificate (PEM file): the CA that Kafka trusts and that signs
   * every participant's client certificate (`POST /v1/participants/{id}/certificates`).
   * Required in production; elsewhere unset means `<KAFKA_TLS_DIR>/ca.crt`, the development CA.
   */
  @secretSetting('ACCORD_CA_CERT_FILE', { kind: 'path', developmentDefault: '<KAFKA_TLS_DIR>/ca.crt' })
  ACCORD_CA_CERT_FILE: string = '';

  /**
   * The partnership CA's private key (PKCS#8 PEM file, ECDSA P-256), read once at start.
   * Whoever holds it can mint any identity Kafka accepts: mount it readable by hub-api only.
   * Required in production; elsewhere unset means `<KAFKA_TLS_DIR>/ca.key`.
   */
  @secretSetting('ACCORD_CA_KEY_FILE', { kind: 'path', developmentDefault: '<KAFKA_TLS_DIR>/ca.key' })
  ACCORD_CA_KEY_FILE: string = '';

  /**
   * Kafka bootstrap servers as partner systems reach them (`host:port`, comma-separated),
   * given out in the connection kit; unset means KAFKA_BROKERS.
   */
  @optionalBrokerListSetting('KAFKA_PUBLIC_BROKERS')
  KAFKA_PUBLIC_BROKERS: string = '';

  /** A dead letter redriven this many times is not redriven again. */
  /**
   * The partner delivery's consumer group (it collects the inboxes of participants that
   * receive over HTTPS). It starts with `accord-partner-delivery`, the prefix its ACLs allow.
   */
  @Matches(/^accord-partner-delivery[A-Za-z0-9_-]{0,100}$/, {
    message: 'DELIVERY_GROUP_ID must start with accord-partner-delivery (its ACLs allow that prefix), then up to 100 letters, digits, underscores or hyphens',
  })
  DELIVERY_GROUP_ID: string = 'accord-partner-delivery';

  /**
   * Events one participant may publish over HTTPS per minute, per hub-api instance (every
   * event of a request counts, valid or not); beyond it, 429 with Retry-After.
   */
  @integerSetting('ACCORD_PUBLISH_EVENTS_PER_MINUTE', 1, 10_000_000)
  ACCORD_PUBLISH_EVENTS_PER_MINUTE: number = 60_000;

  /** How long a webhook endpoint may refuse a record before it is dead-lettered (docs/contract.md, "Receiving over HTTPS": 24 hours). */
  @integerSetting('WEBHOOK_RETRY_FOR_MS', 1000, 7 * 24 * 3_600_000)
  WEBHOOK_RETRY_FOR_MS: number = 24 * 3_600_000;

  /** The longest wait between two attempts at a webhook (exponential backoff with jitter up to this). */
  @integerSetting('WEBHOOK_RETRY_MAX_MS', 100, 3_600_000)
  WEBHOOK_RETRY_MAX_MS: number = 300_000;

  /** How long one webhook POST may take before it counts as failed. */
  @integerSetting('WEBHOOK_TIMEOUT_MS', 1000, 60_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  @integerSetting('OPS_REDRIVE_LIMIT', 1, 100)
  OPS_REDRIVE_LIMIT: number = 3;

  /** Most DLQ records the hub keeps in memory to list and redrive (the oldest beyond it are counted, not listed). */
  @integerSetting('OPS_DLQ_MAX_RECORDS', 100, 1_000_000)
  OPS_DLQ_MAX_RECORDS: number = 20_000;
}
