import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsPageLimit } from '@accord/platform';
import { DELIVERY_MODES, type DeliveryMode } from '../delivery-store';

/** The longest a pull waits for records (long-poll). */
export const MAX_WAIT_SECONDS = 30;
/** The most records one pull returns. */
export const MAX_PULL_RECORDS = 500;

const CURSOR = /^\d{1,18}$/;
const CURSOR_MESSAGE = 'must be a cursor from this feed (digits)';

export class PutSubscriptionRequest {
  @ApiProperty({
    enum: DELIVERY_MODES,
    description:
      '`pull`: the participant reads its inbox with GET /v1/inbox and acknowledges with POST /v1/inbox/ack. ' +
      '`webhook`: the hub POSTs each inbox record to `url`, signed per Standard Webhooks',
  })
  @IsIn(DELIVERY_MODES, { message: `must be one of ${DELIVERY_MODES.join(', ')}` })
  mode: DeliveryMode;

  @ApiPropertyOptional({ description: 'The HTTPS endpoint (mode `webhook` only)', example: 'https://partner.example.nhs.uk/accord/webhook', maxLength: 2048 })
  @ValidateIf((request: PutSubscriptionRequest) => request.mode === 'webhook' || request.url !== undefined)
  @IsString({ message: 'must be the endpoint URL (mode webhook needs one)' })
  @MaxLength(2048, { message: 'must be at most 2048 characters' })
  url?: string;
}

export class SubscriptionView {
  @ApiProperty() participant: string;
  @ApiProperty({ enum: DELIVERY_MODES }) mode: DeliveryMode;
  @ApiProperty({ nullable: true, type: String, description: 'The webhook endpoint' }) url: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiPropertyOptional({
    description: 'The webhook signing secret (Standard Webhooks, `whsec_…`): shown once, when a webhook gets one; keep it to verify `webhook-signature`',
  })
  secret?: string;
}

export class RedriveWebhookDeadLettersRequest {
  @ApiProperty({ description: 'The participant whose dead letters to redrive' })
  @IsString({ message: 'must be a participant id' })
  @MaxLength(200, { message: 'must be a participant id' })
  participant: string;

  @ApiProperty({ type: [String], description: 'Dead letter ids (from GET /v1/ops/webhooks/dead-letters)', example: ['12'] })
  @IsArray({ message: 'must be a list of dead letter ids' })
  @ArrayMinSize(1, { message: 'must name at least one dead letter' })
  @ArrayMaxSize(1000, { message: 'must name at most 1000 dead letters' })
  @Matches(CURSOR, { each: true, message: 'must be dead letter ids (digits)' })
  ids: string[];
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

export class WebhookEndpointView {
  @ApiProperty() participant: string;
  @ApiProperty({ description: "The endpoint's origin (its path and query may hold a partner's own tokens, so they are not shown)", example: 'https://partner.example.nhs.uk' })
  endpoint: string;
  @ApiProperty({
    enum: ['ok', 'retrying', 'suspended'],
    description: '`retrying`: the record at the head failed and waits for its next attempt; `suspended`: the participant is suspended and is sent nothing',
  })
  state: 'ok' | 'retrying' | 'suspended';
  @ApiProperty({ nullable: true, type: String, description: 'Since when the head record fails' }) failingSince: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: String, example: 'http-503', description: 'What the last failed attempt got (a status or a connection error code, never a body)' })
  lastError: string | null;
  @ApiProperty({ nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: String }) lastDeliveredAt: string | null;
  @ApiProperty({ description: 'Records waiting for the endpoint' }) pending: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds the oldest waiting record has waited' }) lagSeconds: number | null;
  @ApiProperty({ description: 'Records set aside after failing for the whole retry period, not redriven' }) deadLetters: number;
}

export class WebhookDeadLetterView {
  @ApiProperty() id: string;
  @ApiProperty() participant: string;
  @ApiProperty() eventId: string;
  @ApiProperty() agreement: string;
  @ApiProperty({ example: 'webhook-failed: http-503' }) reason: string;
  @ApiProperty() attempts: number;
  @ApiProperty() failingSince: string;
  @ApiProperty() deadLetteredAt: string;
  @ApiProperty({ nullable: true, type: String }) redrivenAt: string | null;
}
