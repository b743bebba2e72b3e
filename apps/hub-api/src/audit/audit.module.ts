import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AUDIT_KEYS } from './audit.tokens';
import { resolveAuditKeys, type AuditKeys } from './audit-keys';
import { AuditController } from './audit.controller';
import { AuditSealer } from './audit-sealer.service';
import { AuditService } from './audit.service';

function auditKeys(config: ConfigService): AuditKeys {
  const keys = resolveAuditKeys({
    AUDIT_SIGNING_KEY: config.get<string>('AUDIT_SIGNING_KEY') ?? '',
    AUDIT_TRUSTED_PUBLIC_KEYS: config.get<string>('AUDIT_TRUSTED_PUBLIC_KEYS') ?? '',
    AUDIT_DEVELOPMENT_KEY_FILE: config.get<string>('AUDIT_DEVELOPMENT_KEY_FILE') ?? '',
    NODE_ENV: config.get<string>('NODE_ENV'),
  });
  if (keys.development) {
    new Logger('AuditModule').warn(
      { keyId: keys.keyId, file: config.get<string>('AUDIT_DEVELOPMENT_KEY_FILE') },
      'audit checkpoints are signed with the DEVELOPMENT key; set AUDIT_SIGNING_KEY anywhere but this machine',
    );
  }
  return keys;
}

/** The tamper-evident sharing log: auditor queries and exports, subject access reports, verification, sealing and retention. */
@Module({
  controllers: [AuditController],
  providers: [{ provide: AUDIT_KEYS, inject: [ConfigService], useFactory: auditKeys }, AuditService, AuditSealer],
  exports: [AuditService, AuditSealer],
})
export class AuditModule {}
