/** What other parts of hub-api use of the audit feature: verification (the audit-verify command line), and the decision search (FHIR AuditEvent). */
export { IsAuditPublicKeyList, verificationKeysFrom } from './audit-keys';
export { verifyAuditLog, type AuditVerificationReport } from './audit-verification';
/** What the FHIR AuditEvent search uses: the decision search, its scope, and a decision as the API shows it. */
export { AuditModule } from './audit.module';
export { AuditService } from './audit.service';
export { auditScopeOf } from './audit-scope';
export { DecisionPageQuery } from './dto/decision-query.dto';
export type { DecisionView } from './dto/decision.view';
