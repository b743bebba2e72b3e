import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, Equals, IsIn, IsInt, IsOptional, Matches, Min, ValidateNested } from 'class-validator';
import { REJECTION_REASONS } from '@accord/contracts';
import { IsPageLimit } from '@accord/platform';

export const DEAD_LETTER_STATUSES = ['pending', 'redriven', 'exhausted'] as const;
export type DeadLetterStatus = (typeof DEAD_LETTER_STATUSES)[number];

const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;

/** Filters of `GET /v1/ops/dlq`; all optional. */
export class DeadLetterQuery {
  @ApiPropertyOptional({ description: 'Only records rejected from this source topic', example: 'accord.events.southampton.adult-social-care' })
  @IsOptional()
  @Matches(TOPIC_PATTERN, { message: 'must be a Kafka topic name' })
  topic?: string;

  @ApiPropertyOptional({ enum: REJECTION_REASONS })
  @IsOptional()
  @IsIn(REJECTION_REASONS, { message: `must be one of ${REJECTION_REASONS.join(', ')}` })
  reason?: string;

  @ApiPropertyOptional({ enum: DEAD_LETTER_STATUSES })
  @IsOptional()
  @IsIn(DEAD_LETTER_STATUSES, { message: `must be one of ${DEAD_LETTER_STATUSES.join(', ')}` })
  status?: DeadLetterStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'Most records listed, newest first' })
  @IsOptional()
  @IsPageLimit(1000)
  limit?: number;
}

/** One DLQ record, by where it is in accord.dlq. */
export class DeadLetterReference {
  @ApiProperty({ minimum: 0 })
  @Type(() => Number)
  @IsInt({ message: 'must be a partition number' })
  @Min(0, { message: 'must be a partition number' })
  partition: number;

  @ApiProperty({ example: '42', description: 'Kafka offset, as a string' })
  @Matches(/^\d{1,19}$/, { message: 'must be a Kafka offset (digits)' })
  offset: string;
}

/** `POST /v1/ops/dlq/redrive`: the records listed, or every pending one (optionally of one topic or reason). */
export class RedriveRequest {
  @ApiPropertyOptional({ type: DeadLetterReference, isArray: true })
  @IsOptional()
  @ValidateNested({ each: true })
  @Type(() => DeadLetterReference)
  @ArrayMinSize(1, { message: 'must name at least one record' })
  @ArrayMaxSize(1000, { message: 'must name at most 1000 records' })
  records?: DeadLetterReference[];

  @ApiPropertyOptional({ description: 'Redrive every pending record (instead of `records`)', enum: [true] })
  @IsOptional()
  @Equals(true, { message: 'must be true when given' })
  all?: true;

  @ApiPropertyOptional({ description: 'With `all`: only records from this source topic' })
  @IsOptional()
  @Matches(TOPIC_PATTERN, { message: 'must be a Kafka topic name' })
  topic?: string;

  @ApiPropertyOptional({ enum: REJECTION_REASONS, description: 'With `all`: only records with this reason' })
  @IsOptional()
  @IsIn(REJECTION_REASONS, { message: `must be one of ${REJECTION_REASONS.join(', ')}` })
  reason?: string;
}

export class ProblemView {
  @ApiProperty() path: string;
  @ApiProperty() problem: string;
}

export class DeadLetterView {
  @ApiProperty() partition: number;
  @ApiProperty({ description: 'Offset in accord.dlq' }) offset: string;
  @ApiProperty({ description: 'When the broker appended it to the DLQ' }) appendedAt: string;
  @ApiProperty({ nullable: true, type: String }) rejectedAt: string | null;
  @ApiProperty({ description: 'Rejection reason (docs/contract.md, "Rejections and the dead-letter queue"), or `unreadable` without dead-letter headers' }) reason: string;
  @ApiProperty({ type: ProblemView, isArray: true }) problems: ProblemView[];
  @ApiProperty({ nullable: true, type: String, description: 'Where it was consumed from and is redriven to' }) sourceTopic: string | null;
  @ApiProperty({ nullable: true, type: Number }) sourcePartition: number | null;
  @ApiProperty({ nullable: true, type: String }) sourceOffset: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'ce_id of the event' }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String }) eventType: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'ce_source of the event' }) source: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The `rejected` decision recorded for it' }) decisionId: string | null;
  @ApiProperty({ description: 'How many times it had been redriven before this rejection' }) redriveCount: number;
  @ApiProperty({ enum: DEAD_LETTER_STATUSES }) status: DeadLetterStatus;
  @ApiProperty({ nullable: true, type: String }) redrivenAt: string | null;
}

export class DeadLetterSummary {
  @ApiProperty({ description: 'Records in accord.dlq now (end minus start offsets, all partitions)' }) depth: number;
  @ApiProperty({ description: 'Records the hub holds (depth, unless more than OPS_DLQ_MAX_RECORDS)' }) held: number;
  @ApiProperty({ description: 'False when the hub had not read up to the end of the DLQ when answering' }) complete: boolean;
  @ApiProperty({ description: 'Held records not redriven and below the redrive limit' }) pending: number;
  @ApiProperty() redriven: number;
  @ApiProperty({ description: 'Held records at the redrive limit, not redriven again' }) exhausted: number;
  @ApiProperty({ nullable: true, type: Number }) oldestRecordAgeSeconds: number | null;
  @ApiProperty({ nullable: true, type: Number }) oldestPendingAgeSeconds: number | null;
  @ApiProperty({ description: 'Held records by reason', example: { 'invalid-payload': 3 } }) byReason: Record<string, number>;
  @ApiProperty({ description: 'Pending records by reason', example: { 'invalid-payload': 1 } }) pendingByReason: Record<string, number>;
  @ApiProperty() redriveLimit: number;
  @ApiProperty({ description: 'Records matching the filters (all of them, not only those listed)' }) matching: number;
  @ApiProperty({ type: DeadLetterView, isArray: true, description: 'Matching records, newest first, up to `limit`' }) records: DeadLetterView[];
}

export class RedrivenRecord {
  @ApiProperty() partition: number;
  @ApiProperty() offset: string;
  @ApiProperty({ description: 'The source topic it was re-published to' }) topic: string;
  @ApiProperty({ nullable: true, type: String }) eventId: string | null;
  @ApiProperty({ description: 'accord_redrive_count of the re-published record' }) redriveCount: number;
}

export const REFUSAL_REASONS = ['not-found', 'already-redriven', 'redrive-limit-reached', 'not-a-dead-letter', 'not-an-events-topic', 'incomplete', 'publish-failed'] as const;

export class RefusedRecord {
  @ApiProperty() partition: number;
  @ApiProperty() offset: string;
  @ApiProperty({ enum: REFUSAL_REASONS }) reason: (typeof REFUSAL_REASONS)[number];
  @ApiProperty() message: string;
}

export class RedriveResult {
  @ApiProperty({ type: RedrivenRecord, isArray: true }) redriven: RedrivenRecord[];
  @ApiProperty({ type: RefusedRecord, isArray: true }) refused: RefusedRecord[];
  @ApiProperty() redriveLimit: number;
}
