/** Stable codes for everything the audit chain refuses to do (kebab-case `audit-<what>`, as every Accord error code). */
export enum AuditChainErrorCode {
  /** A decision handed to `chain()` would not round-trip through the audit table unchanged. */
  RecordInvalid = 'audit-record-invalid',
  /** The chain head handed to `chain()` or to a verifier is malformed. */
  HeadInvalid = 'audit-chain-head-invalid',
  /** A value cannot be put into canonical form (NaN, a function, a Map, ...). */
  NotCanonicalisable = 'audit-value-not-canonicalisable',
  /** A checkpoint to sign is malformed. */
  CheckpointInvalid = 'audit-checkpoint-invalid',
  /** A configured signing or verification key cannot be used. The message never contains the key. */
  KeyInvalid = 'audit-key-invalid',
}

/**
 * The one error class of the audit chain. It carries no Nest/HTTP knowledge; the app's
 * exception filter maps `code` to a status.
 */
export class AuditChainError extends Error {
  constructor(
    readonly code: AuditChainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AuditChainError';
  }
}
