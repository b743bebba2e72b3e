/** What other features use of the participants area: the id pipe, its not-found error, and who a caller acts as. */
export { ParticipantIdPipe } from './participant-id.pipe';
export { ParticipantNotFound } from './participants.errors';
export { actingParticipant } from './acting-participant';
