import {
  applyDecorators,
  createParamDecorator,
  Inject,
  Injectable,
  UseGuards,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { Request } from 'express';
import { InvalidRequest } from '@accord/platform';

/** The participants (data controllers) this service instance writes and receives records for. */
export const PARTICIPANTS = Symbol('PARTICIPANTS');

/** Decides which of the service's participants a request acts for. */
export const PARTICIPANT_RESOLVER = Symbol('PARTICIPANT_RESOLVER');

export interface ParticipantResolver {
  /** The participant the caller acts for; throws an AccordError when it cannot be decided. */
  resolve(request: Request): string;
}

export const PARTICIPANT_HEADER = 'accord-participant';

/**
 * Today's caller identity: the `Accord-Participant` header, required only when the
 * service serves more than one controller. A token-based resolver (the caller's bearer
 * token belongs to one participant) replaces this provider without touching controllers.
 */
@Injectable()
export class HeaderParticipantResolver implements ParticipantResolver {
  constructor(@Inject(PARTICIPANTS) private readonly participants: readonly string[]) {}

  resolve(request: Request): string {
    const named = request.header(PARTICIPANT_HEADER)?.trim();
    if (!named) {
      if (this.participants.length === 1) return this.participants[0]!;
      throw new InvalidRequest(
        [{ path: 'header.Accord-Participant', problem: `required: one of ${this.participants.join(', ')}` }],
        'Name the council this request acts for',
      );
    }
    if (!this.participants.includes(named)) {
      throw new InvalidRequest([{ path: 'header.Accord-Participant', problem: 'not a participant this service serves' }]);
    }
    return named;
  }
}

interface ParticipantRequest extends Request {
  accordParticipant?: string;
}

/** Resolves the participant before the handler runs, so a bad header fails before any work. */
@Injectable()
export class ParticipantGuard implements CanActivate {
  constructor(@Inject(PARTICIPANT_RESOLVER) private readonly resolver: ParticipantResolver) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<ParticipantRequest>();
    request.accordParticipant = this.resolver.resolve(request);
    return true;
  }
}

/** Controllers whose every route acts for one participant (data controller). */
export const ParticipantScoped = () =>
  applyDecorators(
    UseGuards(ParticipantGuard),
    ApiHeader({
      name: 'Accord-Participant',
      required: false,
      description: 'The participant (data controller) the request acts for; required when the service serves more than one',
    }),
  );

/** The participant resolved by ParticipantGuard. */
export const CurrentParticipant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const participant = context.switchToHttp().getRequest<ParticipantRequest>().accordParticipant;
  if (!participant) throw new Error('CurrentParticipant used outside a @ParticipantScoped() controller');
  return participant;
});
