import { ApiProperty } from '@nestjs/swagger';
import { CONSENT_KINDS } from '@accord/governance';

export class ConsentScopeView {
  @ApiProperty({ nullable: true, type: String }) purpose: string | null;
  @ApiProperty({ nullable: true, type: String }) recipient: string | null;
  @ApiProperty({ nullable: true, type: String }) agreementId: string | null;
}

/** A recorded statement, without anything that identifies the person. */
export class ConsentStatementView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CONSENT_KINDS }) kind: string;
  @ApiProperty({ type: ConsentScopeView }) scope: ConsentScopeView;
  @ApiProperty() effectiveFrom: string;
  @ApiProperty() recordedAt: string;
}

export class RecordedConsentView extends ConsentStatementView {
  @ApiProperty({ description: "Recipients sent a notice because they already received this person's data under a scope it now withholds" })
  noticesQueued: number;
}

export class StoredConsentStatementView extends ConsentStatementView {
  @ApiProperty({ nullable: true, type: String }) recordedBy: string | null;
  @ApiProperty({ nullable: true, type: String }) evidence: string | null;
  @ApiProperty({ type: [String], description: 'Which of the identifiers asked about the statement names', example: ['nhsNumber'] })
  matchedBy: string[];
}

/** Where consent stands now for one (agreement, recipient): the statement that decides, if any. */
export class EffectiveConsentView {
  @ApiProperty() agreementId: string;
  @ApiProperty() agreementVersion: number;
  @ApiProperty() recipient: string;
  @ApiProperty() purpose: string;
  @ApiProperty({ enum: ['none', 'explicit', 'objection'] }) consentBasis: string;
  @ApiProperty({ nullable: true, type: String, description: 'The deciding grant, withdraw or object statement' }) decidingStatementId: string | null;
  @ApiProperty({ nullable: true, type: String }) decidingKind: string | null;
  @ApiProperty({ description: 'The consent basis lets sharing go ahead (steps 3 and 4 of the evaluation in docs/contract.md, "Consent")' }) consentPermits: boolean;
  @ApiProperty({ description: "The agreement honours the national data opt-out and the person has opted out (step 5; some event types are exempt)" })
  optOutWithholds: boolean;
}

export class NationalOptOutView {
  @ApiProperty() optedOut: boolean;
  @ApiProperty({ nullable: true, type: String }) decidingStatementId: string | null;
}

export class ConsentRecordView {
  @ApiProperty({ type: [StoredConsentStatementView], description: 'Oldest first' }) statements: StoredConsentStatementView[];
  @ApiProperty({ type: NationalOptOutView }) nationalOptOut: NationalOptOutView;
  @ApiProperty({ type: [EffectiveConsentView], description: 'For each current agreement (not draft) and recipient' })
  effective: EffectiveConsentView[];
}
