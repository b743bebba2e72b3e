/** What the audit-verify command line uses of the audit feature: the verification run and its keys setting. */
export { IsAuditPublicKeyList, verificationKeysFrom } from './audit-keys';
export { verifyAuditLog, type AuditVerificationReport } from './audit-verification';
