import { HttpStatus } from '@nestjs/common';
import { AccordError, type Problem } from '@accord/platform';
import { PkiErrorCode, type PkiError } from '@accord/pki';

/** The stable codes of the participants area. Messages name participant ids and serial numbers (organisations' systems, never people). */
export enum ParticipantErrorCode {
  NotFound = 'participant-not-found',
  CertificateNotFound = 'participant-certificate-not-found',
  Forbidden = 'participant-forbidden',
  RevokedCertificatesValid = 'participant-revoked-certificates-valid',
  AccessUnavailable = 'participant-access-unavailable',
  TokenNotBound = 'token-not-bound',
  Suspended = 'participant-suspended',
}

export const PARTICIPANT_ERROR_STATUS = {
  [ParticipantErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ParticipantErrorCode.CertificateNotFound]: HttpStatus.NOT_FOUND,
  [ParticipantErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ParticipantErrorCode.RevokedCertificatesValid]: HttpStatus.CONFLICT,
  [ParticipantErrorCode.AccessUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ParticipantErrorCode.TokenNotBound]: HttpStatus.FORBIDDEN,
  [ParticipantErrorCode.Suspended]: HttpStatus.FORBIDDEN,
} satisfies Record<ParticipantErrorCode, HttpStatus>;

/** libs/pki's refusals as this API answers them; a CA problem is the hub's, never the caller's. */
export const PKI_ERROR_STATUS = {
  [PkiErrorCode.CsrInvalid]: HttpStatus.UNPROCESSABLE_ENTITY,
  [PkiErrorCode.CaInvalid]: HttpStatus.INTERNAL_SERVER_ERROR,
} satisfies Record<PkiErrorCode, HttpStatus>;

export class ParticipantNotFound extends AccordError {
  constructor() {
    super(ParticipantErrorCode.NotFound, 'No participant is registered with this id', PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.NotFound]);
  }
}

export class CertificateNotFound extends AccordError {
  constructor() {
    super(
      ParticipantErrorCode.CertificateNotFound,
      'The participant has no certificate with this serial number',
      PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.CertificateNotFound],
    );
  }
}

/** A token bound to one participant asked about another's Kafka connection. */
export class ParticipantForbidden extends AccordError {
  constructor() {
    super(
      ParticipantErrorCode.Forbidden,
      'Only an admin or a token bound to this participant may read its connection kit',
      PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.Forbidden],
    );
  }
}

/**
 * Resuming would let revoked certificates connect again: Kafka authorises the principal
 * (the participant id), which a revoked certificate still names until it expires.
 */
export class RevokedCertificatesStillValid extends AccordError {
  constructor(certificates: Array<{ serialNumber: string; notAfter: Date }>) {
    const problems: Problem[] = certificates.map((certificate) => ({
      path: `certificates.${certificate.serialNumber}`,
      problem: `revoked, but Kafka accepts it until ${certificate.notAfter.toISOString()}`,
    }));
    super(
      ParticipantErrorCode.RevokedCertificatesValid,
      'Resuming would let revoked certificates connect to Kafka again until they expire; nothing was changed. ' +
        'Send {"acceptRevokedCertificates": true} to resume anyway',
      PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.RevokedCertificatesValid],
      problems,
    );
  }
}

/** Kafka did not take the ACL change. `recorded` says whether the registry already holds the new state. */
export class ParticipantAccessUnavailable extends AccordError {
  constructor(recorded: boolean) {
    super(
      ParticipantErrorCode.AccessUnavailable,
      recorded
        ? 'The change is recorded, but Kafka did not apply it yet: the participant has no more access than before. Send the request again'
        : 'Kafka did not apply the change; nothing was recorded. Send the request again',
      PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.AccessUnavailable],
    );
  }
}

/** The CA refused the request (a bad CSR): its code and every problem, nothing stored. */
export class CertificateRequestRefused extends AccordError {
  constructor(error: PkiError) {
    super(error.code, `${error.message}; nothing was stored`, PKI_ERROR_STATUS[error.code], error.problems);
  }
}

/** A route that acts as a participant (publishing, reading its inbox) was called with a token bound to none. */
export class TokenNotBound extends AccordError {
  constructor(action: string) {
    super(
      ParticipantErrorCode.TokenNotBound,
      `${action} needs a token bound to the participant (POST /v1/tokens with participant)`,
      PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.TokenNotBound],
    );
  }
}

/** The token's participant is suspended: it publishes and receives nothing, over Kafka (no ACLs) or HTTPS. */
export class ParticipantSuspended extends AccordError {
  constructor() {
    super(ParticipantErrorCode.Suspended, "The token's participant is suspended", PARTICIPANT_ERROR_STATUS[ParticipantErrorCode.Suspended]);
  }
}
