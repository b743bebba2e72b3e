import type { EntityManager } from 'typeorm';
import { findParticipant } from '@accord/persistence';
import type { Caller } from '../auth';
import { ParticipantSuspended, TokenNotBound } from './participants.errors';

/**
 * The participant a caller acts as over HTTPS (publishing events, reading its inbox): the
 * one its token is bound to, registered and not suspended. `action` names what was
 * attempted, for the error.
 */
export async function actingParticipant(manager: EntityManager, caller: Caller, action: string): Promise<string> {
  const participant = caller.participant;
  if (participant === null) throw new TokenNotBound(action);
  const registered = await findParticipant(manager, participant);
  // A token is issued only for a registered participant, and participants are never deleted.
  if (!registered) throw new TokenNotBound(action);
  if (registered.suspendedAt !== null) throw new ParticipantSuspended();
  return participant;
}
