import { HttpStatus } from '@nestjs/common';
import { AccordError } from '@accord/platform';

/**
 * The domain services' own refusals of an authenticated caller (401, 403 for a missing
 * role, 429 and 503 come from `@accord/auth`). Messages name no participant and no token.
 */
export enum DomainAuthErrorCode {
  ParticipantForbidden = 'participant-forbidden',
  RouteClosed = 'route-closed',
}

/** The token is bound to no participant, to one this instance does not serve, or Accord-Participant names another. */
export class ParticipantForbidden extends AccordError {
  constructor(reason: 'unbound' | 'not-served' | 'header-differs') {
    const messages = {
      unbound: 'This service accepts only tokens bound to a participant it serves; this token is bound to none',
      'not-served': 'This token is bound to a participant this service does not serve',
      'header-differs': "Accord-Participant names a participant other than the token's; omit it or name the token's own",
    } satisfies Record<typeof reason, string>;
    super(DomainAuthErrorCode.ParticipantForbidden, messages[reason], HttpStatus.FORBIDDEN);
  }
}

/** The route declares no domain role (`@RequireRole`), so no token may call it: deny by default. */
export class RouteClosed extends AccordError {
  constructor() {
    super(DomainAuthErrorCode.RouteClosed, 'This route declares no role, so no token may call it', HttpStatus.FORBIDDEN);
  }
}
