/** Stable codes for everything the audit chain refuses to do. */
export enum AuditChainErrorCode {
  /** A decision handed to `chain()` would not round-trip through the audit table unchanged. */
  RecordInvalid = 'AuditRecordInvalid',
  /** The chain head handed to `chain()` or to a verifier is malformed. */
  HeadInvalid = 'AuditChainHeadInvalid',
  /** A value cannot be put into canonical form (NaN, a function, a Map, ...). */
  NotCanonicalisable = 'AuditValueNotCanonicalisable',
  /** A checkpoint to sign is malformed. */
  CheckpointInvalid = 'AuditCheckpointInvalid',
  /** A configured signing or verification key cannot be used. The message never contains the key. */
  KeyInvalid = 'AuditKeyInvalid',
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
