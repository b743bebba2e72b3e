import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsPageLimit } from '@accord/platform';
import { DELIVERY_MODES, type DeliveryMode } from '../delivery-store';

/** The longest a pull waits for records (long-poll). */
export const MAX_WAIT_SECONDS = 30;
/** The most records one pull returns. */
export const MAX_PULL_RECORDS = 500;

const CURSOR = /^\d{1,18}$/;
const CURSOR_MESSAGE = 'must be a cursor from this feed (digits)';

export class PutSubscriptionRequest {
  @ApiProperty({ enum: DELIVERY_MODES, description: '`pull`: the participant reads its inbox with GET /v1/inbox and acknowledges with POST /v1/inbox/ack' })
  @IsIn(DELIVERY_MODES, { message: `must be one of ${DELIVERY_MODES.join(', ')}` })
  mode: DeliveryMode;
}

export class SubscriptionView {
  @ApiProperty() participant: string;
  @ApiProperty({ enum: DELIVERY_MODES }) mode: DeliveryMode;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class PullQuery {
  @ApiPropertyOptional({ description: 'Records after this cursor; the acknowledged cursor when absent', example: '0' })
  @IsOptional()
  @Matches(CURSOR, { message: CURSOR_MESSAGE })
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PULL_RECORDS, default: 100 })
  @IsOptional()
  @IsPageLimit(MAX_PULL_RECORDS)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0, description: 'Seconds to wait for a record when there is none yet (long-poll)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number of seconds' })
  @Min(0, { message: 'must be at least 0' })
  @Max(MAX_WAIT_SECONDS, { message: `must be at most ${MAX_WAIT_SECONDS}` })
  wait?: number;
}

export class AckRequest {
  @ApiProperty({ description: 'The cursor of the last record processed: it and everything before it are acknowledged', example: '42' })
  @Matches(CURSOR, { message: CURSOR_MESSAGE })
  cursor: string;
}

export class AckView {
  @ApiProperty({ description: 'The cursor now acknowledged (it never moves back)' }) acknowledged: string;
}

/**
 * One inbox record in the CloudEvents JSON format: the record's `ce_` headers as
 * attributes (with the Accord extensions `accordagreement`, `accordpurpose`,
 * `accorddecision`), its key, its data, and its cursor in this feed.
 */
export class PulledRecordView {
  @ApiProperty({ description: 'Acknowledge up to here with POST /v1/inbox/ack' }) cursor: string;
  @ApiProperty({ example: '1.0' }) specversion: string;
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'urn:accord:southampton.adult-social-care' }) source: string;
  @ApiProperty({ example: 'asc.service.started.v1' }) type: string;
  @ApiProperty() time: string;
  @ApiPropertyOptional({ example: 'application/json' }) datacontenttype?: string;
  @ApiPropertyOptional({ example: 'scc-asc-care-home-to-rb@1' }) accordagreement?: string;
  @ApiPropertyOptional() accordpurpose?: string;
  @ApiPropertyOptional() accorddecision?: string;
  @ApiProperty({ description: "The Kafka record key: the person's reference as released to this recipient" }) key: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The released data' }) data: unknown;
}

export class PullPageView {
  @ApiProperty({ type: [PulledRecordView], description: 'In the order the inbox holds them (per person, the order they were shared)' })
  records: PulledRecordView[];

  @ApiProperty({ description: 'Pass as `after` for the next page (the last record\'s cursor, or `after` when there was none)' })
  next: string;
}
