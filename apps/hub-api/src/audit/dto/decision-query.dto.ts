import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';
import { IsNhsNumber, IsNiNumber, PARTICIPANT_ID_PATTERN } from '@accord/contracts';
import { IsPageLimit } from '@accord/platform';
import { DECISION_REASONS } from '../plain-english';

/** `2026-04-01`, or a date-time with seconds optional and an explicit offset: `2026-04-01T09:30:00Z`, `…+01:00`. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;
const EVENT_TYPE_PATTERN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

function validator(name: string, validate: (value: unknown, object: Record<string, unknown>) => boolean, message: string) {
  return (options?: ValidationOptions) =>
    function (target: object, propertyName: string): void {
      registerDecorator({
        name,
        target: target.constructor,
        propertyName,
        options: { message, ...options },
        validator: { validate: (value, args) => validate(value, (args?.object ?? {}) as Record<string, unknown>) },
      });
    };
}

// The contract's identifier checks, in this API's message style (no property name). No
// message contains the value: it may be an NHS or NI number.
const VALID_NHS_NUMBER = { message: 'must be a valid NHS number (10 digits with a correct check digit)' };
const VALID_NI_NUMBER = { message: 'must be a valid National Insurance number' };
const IsTimestamp = validator(
  'isTimestamp',
  (value) => typeof value === 'string' && TIMESTAMP_PATTERN.test(value) && !Number.isNaN(Date.parse(value)),
  'must be a date (2026-04-01) or a date-time with a time zone (2026-04-01T09:30:00Z)',
);
const IsNotBeforeFrom = validator(
  'isNotBeforeFrom',
  (value, object) => typeof object.from !== 'string' || typeof value !== 'string' || Date.parse(value) >= Date.parse(object.from),
  'must not be before from',
);

/** The auditor's filters; all optional and combined with AND. */
export class DecisionFilterQuery {
  @ApiPropertyOptional({ description: 'Hashed server-side like subjectKey; never stored or logged', example: '9434765919' })
  @IsOptional()
  @IsNhsNumber(VALID_NHS_NUMBER)
  nhsNumber?: string;

  @ApiPropertyOptional({ description: 'Hashed server-side like subjectKey; never stored or logged', example: 'QQ123456C' })
  @IsOptional()
  @IsNiNumber(VALID_NI_NUMBER)
  niNumber?: string;

  @ApiPropertyOptional({ example: 'southampton.revenues-benefits' })
  @IsOptional()
  @Matches(PARTICIPANT_ID_PATTERN, { message: 'must be a participant id <org>.<system>' })
  recipient?: string;

  @ApiPropertyOptional({ example: 'southampton.adult-social-care' })
  @IsOptional()
  @Matches(PARTICIPANT_ID_PATTERN, { message: 'must be a participant id <org>.<system>' })
  source?: string;

  @ApiPropertyOptional({ example: 'scc-asc-care-home-to-rb' })
  @IsOptional()
  @MaxLength(100, { message: 'must be at most 100 characters' })
  @Matches(/^[a-z0-9-]+$/, { message: 'must be an agreement id: lower-case letters, digits and hyphens' })
  agreementId?: string;

  @ApiPropertyOptional({ example: 'asc.service.started.v1' })
  @IsOptional()
  @MaxLength(200, { message: 'must be at most 200 characters' })
  @Matches(EVENT_TYPE_PATTERN, { message: 'must be an event type such as asc.service.started.v1' })
  eventType?: string;

  @ApiPropertyOptional({ enum: ['shared', 'withheld', 'rejected'] })
  @IsOptional()
  @IsIn(['shared', 'withheld', 'rejected'], { message: 'must be shared, withheld or rejected' })
  outcome?: 'shared' | 'withheld' | 'rejected';

  @ApiPropertyOptional({ enum: DECISION_REASONS, description: 'Decisions that give this reason (among others)' })
  @IsOptional()
  @IsIn(DECISION_REASONS, { message: `must be one of ${DECISION_REASONS.join(', ')}` })
  reason?: string;

  @ApiPropertyOptional({ description: 'Decided at or after (a date means its start, UTC)', example: '2026-04-01' })
  @IsOptional()
  @IsTimestamp()
  from?: string;

  @ApiPropertyOptional({ description: 'Decided before this instant; a date includes that whole day (UTC)', example: '2026-04-30' })
  @IsOptional()
  @IsTimestamp()
  @IsNotBeforeFrom()
  to?: string;
}

export class DecisionPageQuery extends DecisionFilterQuery {
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'must be a nextCursor returned by this API' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100, description: 'Page size (ignored when streaming CSV or NDJSON)' })
  @IsOptional()
  @IsPageLimit(1000)
  limit?: number;
}

/** A subject access report: by NHS number, NI number, or both (the same person). */
export class SubjectReportQuery {
  @ApiPropertyOptional({ example: '9434765919' })
  @IsOptional()
  @IsNhsNumber(VALID_NHS_NUMBER)
  nhsNumber?: string;

  @ApiPropertyOptional({ example: 'QQ123456C' })
  @IsOptional()
  @IsNiNumber(VALID_NI_NUMBER)
  niNumber?: string;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'must be a nextCursor returned by this API' })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1000 })
  @IsOptional()
  @IsPageLimit(1000)
  limit?: number;
}
