import { ApiProperty } from '@nestjs/swagger';

export const AGREEMENT_CHANGES = ['applied', 'suspended', 'resumed'] as const;
export type AgreementChange = (typeof AGREEMENT_CHANGES)[number];

class PurposeView {
  @ApiProperty({ example: 'council-tax-and-hb-review' }) code: string;
  @ApiProperty() description: string;
}

/** One stored version, without its document. */
export class AgreementVersionView {
  @ApiProperty({ example: 3 }) version: number;
  @ApiProperty({ enum: ['draft', 'active', 'suspended'] }) status: string;
  @ApiProperty({ enum: AGREEMENT_CHANGES }) change: string;
  @ApiProperty({ nullable: true, type: String, description: 'Id of the token that made the change' }) appliedBy: string | null;
  @ApiProperty() appliedAt: string;
  @ApiProperty({ description: 'SHA-256 of the canonical JSON of the validated document' }) documentDigest: string;
}

/** The answer to an apply, suspend or resume. */
export class AppliedAgreementView extends AgreementVersionView {
  @ApiProperty({ example: 'scc-asc-care-home-to-rb' }) id: string;
  @ApiProperty({ description: 'True when the document equals the latest version: no version was added' }) unchanged: boolean;
}

/** The latest version of an agreement, as listed. */
export class AgreementSummaryView {
  @ApiProperty({ example: 'scc-asc-care-home-to-rb' }) id: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: ['draft', 'active', 'suspended'] }) status: string;
  @ApiProperty() title: string;
  @ApiProperty({ example: 'southampton.adult-social-care' }) provider: string;
  @ApiProperty({ type: [String], example: ['southampton.revenues-benefits'] }) recipients: string[];
  @ApiProperty({ type: PurposeView }) purpose: PurposeView;
  @ApiProperty({ example: '2026-04-01' }) validFrom: string;
  @ApiProperty({ example: '2028-03-31' }) validUntil: string;
  @ApiProperty({ example: '2027-03-31' }) reviewBy: string;
  @ApiProperty({ description: 'In force now: active and within its validity dates (UTC days)' }) inForce: boolean;
  @ApiProperty({ enum: AGREEMENT_CHANGES }) change: string;
  @ApiProperty() appliedAt: string;
}

/** The latest version of one agreement with its full document (its `status` is the version's). */
export class AgreementView extends AgreementVersionView {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'In force now: active and within its validity dates (UTC days)' }) inForce: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The agreement as in docs/contract.md, "Agreements"' })
  document: Record<string, unknown>;
}
