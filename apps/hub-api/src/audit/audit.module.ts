import { Logger, Module } from '@nestjs/common';
import { AuditEnvironment } from './audit.environment';
import { AUDIT_KEYS } from './audit.tokens';
import { resolveAuditKeys, type AuditKeys } from './audit-keys';
import { AuditController } from './audit.controller';
import { AuditSealer } from './audit-sealer.service';
import { AuditService } from './audit.service';

function auditKeys(environment: AuditEnvironment): AuditKeys {
  const keys = resolveAuditKeys(environment);
  if (keys.development) {
    new Logger('AuditModule').warn(
      { keyId: keys.keyId, file: environment.AUDIT_DEVELOPMENT_KEY_FILE },
      'audit checkpoints are signed with the DEVELOPMENT key; set AUDIT_SIGNING_KEY anywhere but this machine',
    );
  }
  return keys;
}

/** The tamper-evident sharing log: auditor queries and exports, subject access reports, verification, sealing and retention. */
@Module({
  controllers: [AuditController],
  providers: [{ provide: AUDIT_KEYS, inject: [AuditEnvironment], useFactory: auditKeys }, AuditService, AuditSealer],
  exports: [AuditService, AuditSealer],
})
export class AuditModule {}
