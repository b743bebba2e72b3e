import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LawfulBasisView {
  @ApiProperty({ example: 'public-task' }) article6: string;
  @ApiProperty({ nullable: true, type: String, example: null }) article9: string | null;
  @ApiProperty({ type: [String], example: ['Local Government Finance Act 1992'] }) legislation: string[];
}

/** A decision record exactly as chained (docs/contract.md, "Decision records and the audit chain"): digests and field names, never the data. */
export class DecisionView {
  @ApiProperty({ format: 'uuid' }) decisionId: string;
  @ApiProperty({ nullable: true, type: String }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'asc.service.started.v1' }) eventType: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'southampton.adult-social-care' }) source: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'southampton.revenues-benefits' }) recipient: string | null;
  @ApiProperty({ nullable: true, type: String }) agreementId: string | null;
  @ApiProperty({ nullable: true, type: Number }) agreementVersion: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'purpose code' }) purpose: string | null;
  @ApiProperty({ nullable: true, type: LawfulBasisView }) lawfulBasis: LawfulBasisView | null;
  @ApiProperty({ enum: ['shared', 'withheld', 'rejected'] }) outcome: string;
  @ApiProperty({ type: [String], example: ['permitted'] }) reasons: string[];
  @ApiProperty({ type: [String] }) fieldsReleased: string[];
  @ApiProperty({ type: [String] }) fieldsWithheld: string[];
  @ApiProperty({ type: [String] }) consentRefs: string[];
  @ApiProperty({ nullable: true, type: String, description: 'keyed hash of the person’s identifier' }) subjectKey: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 of what was released' }) payloadDigest: string | null;
  @ApiProperty() topic: string;
  @ApiProperty() partition: number;
  @ApiProperty({ description: 'Kafka offset (int64 as a decimal string)' }) offset: string;
  @ApiProperty({ example: '2026-04-01T09:30:00.000Z' }) decidedAt: string;
  @ApiProperty() seq: number;
  @ApiProperty() prevHash: string;
  @ApiProperty() hash: string;
}

export class DecisionPage {
  @ApiProperty({ type: [DecisionView] }) items: DecisionView[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor: string | null;
}

export class ParticipantRef {
  @ApiProperty() id: string;
  @ApiPropertyOptional({ nullable: true, type: String }) name: string | null;
}

export class ExplainedReason {
  @ApiProperty({ example: 'permitted' }) code: string;
  @ApiProperty() explanation: string;
}

export class AgreementInWords {
  @ApiProperty() id: string;
  @ApiProperty() version: number;
  @ApiProperty({ nullable: true, type: String }) title: string | null;
  @ApiProperty({ nullable: true, type: String }) purposeCode: string | null;
  @ApiProperty({ nullable: true, type: String }) purposeDescription: string | null;
  @ApiProperty({ nullable: true, type: LawfulBasisView }) lawfulBasis: LawfulBasisView | null;
  @ApiProperty({ nullable: true, type: String }) lawfulBasisInWords: string | null;
  @ApiProperty({ description: 'false when the named version is not in the agreement register' }) versionFound: boolean;
}

export class SubjectReportEntry {
  @ApiProperty({ format: 'uuid' }) decisionId: string;
  @ApiProperty() seq: number;
  @ApiProperty() decidedAt: string;
  @ApiProperty({ enum: ['shared', 'withheld', 'rejected'] }) outcome: string;
  @ApiProperty({ nullable: true, type: String }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String }) eventType: string | null;
  @ApiProperty({ nullable: true, type: ParticipantRef }) source: ParticipantRef | null;
  @ApiProperty({ nullable: true, type: ParticipantRef }) recipient: ParticipantRef | null;
  @ApiProperty({ nullable: true, type: AgreementInWords }) agreement: AgreementInWords | null;
  @ApiProperty({ type: [String] }) fieldsReleased: string[];
  @ApiProperty({ type: [String] }) fieldsWithheld: string[];
  @ApiProperty({ type: [ExplainedReason] }) reasons: ExplainedReason[];
  @ApiProperty({
    enum: ['nhsNumber', 'niNumber', 'linked-identifier'],
    description: 'Which identifier found the row; linked-identifier: the person’s other identifier, seen with this one on an earlier record',
  })
  matchedBy: string;
  @ApiProperty({ description: 'The decision in plain English' }) explanation: string;
}

export class SubjectReportSummary {
  @ApiProperty() decisions: number;
  @ApiProperty() shared: number;
  @ApiProperty() withheld: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [String], description: 'Participants that received at least one record about the person' })
  receivedBy: string[];
  @ApiProperty({ nullable: true, type: String }) firstDecidedAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastDecidedAt: string | null;
  @ApiProperty() text: string;
}

export class ReportScope {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'southampton.revenues-benefits',
    description: 'The report covers only decisions where this participant is the source or the recipient (the token is bound to it); null: the whole log',
  })
  participant: string | null;
}

export class SubjectReport {
  @ApiProperty({ type: [String], description: 'The identifiers searched by (never their values)' }) searchedBy: string[];
  @ApiProperty({ type: ReportScope }) scope: ReportScope;
  @ApiProperty() generatedAt: string;
  @ApiProperty({ type: SubjectReportSummary }) summary: SubjectReportSummary;
  @ApiProperty({ type: [SubjectReportEntry] }) items: SubjectReportEntry[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ChainEndView {
  @ApiProperty() seq: number;
  @ApiProperty() hash: string;
}

export class SealedHeadView extends ChainEndView {
  @ApiProperty({ description: 'the events topic of the partition chain' }) topic: string;
  @ApiProperty() partition: number;
}

export class CheckpointView {
  @ApiProperty({ description: 'a v1 checkpoint: the row it seals; a v2 checkpoint: its newest head' }) seq: number;
  @ApiProperty() hash: string;
  @ApiProperty() signedAt: string;
  @ApiProperty({ description: 'base64 Ed25519 signature over checkpointSigningInput' }) signature: string;
  @ApiProperty() keyId: string;
  @ApiPropertyOptional({ type: ChainEndView, description: 'v2: where the single chain ends and every partition chain starts (docs/audit-chains.md)' })
  root?: ChainEndView;
  @ApiPropertyOptional({ type: [SealedHeadView], description: "v2: every partition chain's head at the cut the checkpoint was taken at" })
  heads?: SealedHeadView[];
}

export class SealView {
  @ApiProperty({ type: CheckpointView, nullable: true, description: 'null when the log is empty' }) checkpoint: CheckpointView | null;
}

export class RetentionView {
  @ApiProperty() purgedThroughSeq: number;
  @ApiProperty() decidedBefore: string;
  @ApiProperty() purgedAt: string;
  @ApiProperty() note: string;
}

export class VerificationView {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'rows verified intact' }) checked: number;
  @ApiPropertyOptional() firstBrokenSeq?: number;
  @ApiPropertyOptional({ description: 'names seqs, never row content' }) problem?: string;
  @ApiProperty({ description: 'first seq of the retained chain' }) fromSeq: number;
  @ApiProperty({ description: 'the chain head when verification began' }) throughSeq: number;
  @ApiProperty() checkpointsChecked: number;
  @ApiPropertyOptional({ type: CheckpointView }) lastCheckpoint?: CheckpointView;
  @ApiPropertyOptional({ type: RetentionView }) retention?: RetentionView;
  @ApiProperty() verifiedAt: string;
}

export class PublicKeyView {
  @ApiProperty({ example: 'Ed25519' }) algorithm: string;
  @ApiProperty() keyId: string;
  @ApiProperty({ description: 'SPKI PEM' }) publicKeyPem: string;
  @ApiProperty({ description: 'true for the development key (AUDIT_SIGNING_KEY unset)' }) development: boolean;
  @ApiProperty({ type: [Object], description: 'earlier keys whose checkpoints still verify: { keyId, publicKeyPem }' })
  trustedKeys: Array<{ keyId: string; publicKeyPem: string }>;
}
