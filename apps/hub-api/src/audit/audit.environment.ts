import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { loadSigningKey } from '@accord/audit-chain';
import { BaseEnvironment, secretSetting } from '@accord/platform';
import { IsAuditPublicKeyList } from './audit-keys';

/** An Ed25519 private key setting, as secretSetting's `format` for every signing key hub-api holds. */
export const ED25519_PRIVATE_KEY_FORMAT = {
  test: isSigningKey,
  description: 'an Ed25519 private key: PKCS#8 PEM (\\n escapes allowed), or base64 of that PEM or of its DER',
};

function isSigningKey(value: string): boolean {
  try {
    loadSigningKey(value);
    return true;
  } catch {
    return false;
  }
}

/** The audit log's settings; hub-api's environment extends this. */
export class AuditEnvironment extends BaseEnvironment {
  /**
   * Ed25519 private key (PKCS#8 PEM, `\n` escapes allowed, or base64 of PEM or DER) that
   * signs audit checkpoints and retention purges. Required when NODE_ENV is production
   * (BaseEnvironment); elsewhere an unset key means the key kept in AUDIT_DEVELOPMENT_KEY_FILE.
   */
  @secretSetting('AUDIT_SIGNING_KEY', {
    kind: 'key',
    format: ED25519_PRIVATE_KEY_FORMAT,
    developmentDefault: 'the key kept in AUDIT_DEVELOPMENT_KEY_FILE',
    hint: 'generate one with: openssl genpkey -algorithm ed25519',
  })
  AUDIT_SIGNING_KEY: string = '';

  /** Where the development signing key is kept when AUDIT_SIGNING_KEY is unset (created on first start). */
  @IsString()
  AUDIT_DEVELOPMENT_KEY_FILE: string = '.run/audit-development-signing-key.pem';

  /** Earlier (rotated-out) public keys whose checkpoints still verify: comma-separated SPKI PEM or base64. */
  @IsAuditPublicKeyList()
  AUDIT_TRUSTED_PUBLIC_KEYS: string = '';

  /** How often the chain head is verified since the last checkpoint and sealed; 0 turns sealing off. */
  @Type(() => Number)
  @IsInt({ message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be a whole number of seconds' })
  @Min(0, { message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be 0 (off) or more' })
  @Max(86_400, { message: 'AUDIT_CHECKPOINT_INTERVAL_SECONDS must be at most 86400 (a day)' })
  AUDIT_CHECKPOINT_INTERVAL_SECONDS: number = 300;

  /** Decision rows older than this many days are purged after a sealed checkpoint; 0 keeps them forever. */
  @Type(() => Number)
  @IsInt({ message: 'AUDIT_RETENTION_DAYS must be a whole number of days' })
  @Min(0, { message: 'AUDIT_RETENTION_DAYS must be 0 (keep forever) or more' })
  AUDIT_RETENTION_DAYS: number = 0;
}
