import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { MAX_AGREEMENT_BYTES } from '../yaml-body.middleware';
import type { SimulationSummary } from '../simulation';

export const DEFAULT_SIMULATION_EVENTS = 500;
export const MAX_SIMULATION_EVENTS = 5000;

/** An agreement document as a JSON object, or its YAML text. */
function IsAgreementDocument(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAgreementDocument',
      validator: {
        validate: (value) =>
          (typeof value === 'object' && value !== null && !Array.isArray(value)) ||
          (typeof value === 'string' && value.trim() !== '' && value.length <= MAX_AGREEMENT_BYTES),
        defaultMessage: () => '$property must be the agreement as a JSON object, or its YAML text',
      },
    },
    options,
  );
}

/**
 * One event to simulate with. Only the shape is checked here: an event that would not pass
 * the broker (bad id, unknown type, invalid data) is answered as a `rejected` decision.
 */
export class SimulationEventRequest {
  @ApiPropertyOptional({ description: 'ce_id (a UUID); one is made up when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  id?: string;

  @ApiProperty({ example: 'asc.service.started.v1' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  type: string;

  @ApiPropertyOptional({ description: "The publishing participant; the proposed agreement's provider when absent" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  source?: string;

  @ApiPropertyOptional({ description: 'ce_time, RFC 3339; now when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  time?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The event data, as on the events topic' })
  @IsObject()
  data: Record<string, unknown>;
}

export class SimulationWindowRequest {
  @ApiPropertyOptional({ default: DEFAULT_SIMULATION_EVENTS, maximum: MAX_SIMULATION_EVENTS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SIMULATION_EVENTS)
  maxEvents?: number;
}

export class SimulateRequest {
  @ApiProperty({ oneOf: [{ type: 'object', additionalProperties: true }, { type: 'string' }], description: 'The proposed agreement (JSON) or its YAML text' })
  @IsAgreementDocument()
  agreement: Record<string, unknown> | string;

  @ApiPropertyOptional({ type: [SimulationEventRequest], description: "Events to simulate with; when absent, the most recent records of the provider's events topic" })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SIMULATION_EVENTS)
  @ValidateNested({ each: true })
  @Type(() => SimulationEventRequest)
  events?: SimulationEventRequest[];

  @ApiPropertyOptional({ type: SimulationWindowRequest })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SimulationWindowRequest)
  window?: SimulationWindowRequest;
}

export class SimulatedOutcomeView {
  @ApiProperty({ enum: ['shared', 'withheld', 'rejected'] }) outcome: 'shared' | 'withheld' | 'rejected';
  @ApiProperty({ type: [String], example: ['permitted'] }) reasons: string[];
  @ApiProperty({ type: [String], description: 'Field paths that would be released (names only, never values)' }) fieldsReleased: string[];
}

export class SimulatedDecisionView {
  @ApiProperty({ nullable: true, type: String, description: 'ce_id; null for a record without a valid one' }) eventId: string | null;
  @ApiProperty({ nullable: true, type: String }) eventType: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'null for a rejected event' }) recipient: string | null;
  @ApiProperty({ type: SimulatedOutcomeView, nullable: true, description: 'Under the current latest version; null when it makes no decision for this recipient' })
  current: SimulatedOutcomeView | null;
  @ApiProperty({ type: SimulatedOutcomeView, nullable: true, description: 'Under the proposal; null when it would make no decision for this recipient (e.g. recipient removed)' })
  proposed: SimulatedOutcomeView | null;
  @ApiProperty() changed: boolean;
  @ApiPropertyOptional({ description: 'Why a rejected event was rejected: paths and rules, never values', type: 'array', items: { type: 'object' } })
  problems?: Array<{ path: string; problem: string }>;
}

export class SimulationView {
  @ApiProperty({ example: 'scc-asc-care-home-to-rb' }) agreementId: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The latest stored version compared against; null for a new agreement' }) currentVersion: number | null;
  @ApiProperty({ description: 'The version the proposal would become' }) proposedVersion: number;
  @ApiProperty({ enum: ['supplied', 'topic'] }) window: 'supplied' | 'topic';
  @ApiPropertyOptional({ description: 'The events topic read, when no events were supplied' }) topic?: string;
  @ApiPropertyOptional({ description: 'False when the topic could not be read to its end in time; the answer covers what was read' })
  complete?: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'Events looked at (recorded traffic: see summary)' }) evaluated: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Events that would be rejected (invalid envelope, payload, identifier or unknown type)' }) rejected: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Decisions whose outcome, reasons or released fields differ' }) changed: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The decisions in aggregate: by recipient (outcome counts under each version, changes) and by reason. Over recorded traffic (window `topic`) every count under 5 is null and the others are rounded to a multiple of 5, so a proposed condition cannot read one person’s data; supplied events get exact counts.',
  })
  summary: SimulationSummary;
  @ApiProperty({ type: [SimulatedDecisionView], description: 'Each supplied event’s decisions; empty over recorded traffic (aggregates only)' })
  decisions: SimulatedDecisionView[];
}
