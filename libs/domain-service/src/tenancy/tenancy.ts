import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import type { Caller } from '@accord/auth';
import { ParticipantForbidden } from '../auth/domain-auth.errors';

/** The participants (data controllers) this service instance writes and receives records for. */
export const PARTICIPANTS = Symbol('PARTICIPANTS');

export const PARTICIPANT_HEADER = 'accord-participant';

/**
 * The participant a request acts for: the one its bearer token is bound to, which must be
 * one this instance serves. `Accord-Participant` may only narrow, never choose: when sent,
 * it must name the token's own participant.
 */
export function resolveParticipant(caller: Pick<Caller, 'participant'>, header: string | string[] | undefined, participants: readonly string[]): string {
  const bound = caller.participant;
  if (bound === null) throw new ParticipantForbidden('unbound');
  if (!participants.includes(bound)) throw new ParticipantForbidden('not-served');
  if (header !== undefined && (Array.isArray(header) || header.trim() !== bound)) throw new ParticipantForbidden('header-differs');
  return bound;
}

export interface ParticipantRequest extends Request {
  accordParticipant?: string;
}

/**
 * Documents a controller whose every route acts for the participant of the caller's
 * bearer token (DomainAuthGuard authenticates every route; `@RequireRole` names each one's role).
 */
export const ParticipantScoped = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiHeader({
      name: 'Accord-Participant',
      required: false,
      description: "Optional: the participant (data controller) the request acts for. It comes from the bearer token; when sent, this must name the token's own participant (403 otherwise)",
    }),
    ApiUnauthorizedResponse({ description: 'unauthenticated: no valid bearer token (missing, malformed, not signed by the hub, expired or revoked)' }),
    ApiTooManyRequestsResponse({ description: 'too-many-failed-authentications: this address failed too often; see Retry-After' }),
    ApiServiceUnavailableResponse({ description: "auth-unavailable: the hub's revocation list has not been read for over 5 s, so no token is accepted; see Retry-After" }),
  );

/** The participant DomainAuthGuard resolved from the bearer token. */
export const CurrentParticipant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const participant = context.switchToHttp().getRequest<ParticipantRequest>().accordParticipant;
  if (!participant) throw new Error('CurrentParticipant used on a route DomainAuthGuard did not authenticate');
  return participant;
});
