/** What `libs/pki` refuses; the app that surfaces it maps each code to an HTTP status. */
export enum PkiErrorCode {
  CsrInvalid = 'pki-csr-invalid',
  CaInvalid = 'pki-ca-invalid',
}

export class PkiError extends Error {
  constructor(
    readonly code: PkiErrorCode,
    message: string,
    readonly problems: Array<{ path: string; problem: string }> = [],
  ) {
    super(message);
    this.name = 'PkiError';
  }
}
