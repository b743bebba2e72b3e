import { ApiProperty } from '@nestjs/swagger';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class SampledResponse {
  @ApiProperty({ description: 'When the offsets shown were read' }) sampledAt: string;
  @ApiProperty({ description: 'The window rates and statuses are computed over (OPS_WINDOW_MS)' }) windowSeconds: number;
  @ApiProperty({ description: 'True when Kafka did not answer just now and this is the last good sample' }) stale: boolean;
}

export class TopicPartitionView {
  @ApiProperty() partition: number;
  @ApiProperty({ description: 'Log start offset' }) startOffset: number;
  @ApiProperty({ description: 'End offset (high watermark)' }) endOffset: number;
}

export class TopicHealthView {
  @ApiProperty() topic: string;
  @ApiProperty({ type: TopicPartitionView, isArray: true }) partitions: TopicPartitionView[];
  @ApiProperty({ description: 'Records held now' }) messages: number;
  @ApiProperty({ description: 'Records appended per second over the window' }) messagesPerSecond: number;
}

export class TopicsResponse extends SampledResponse {
  @ApiProperty({ type: TopicHealthView, isArray: true }) topics: TopicHealthView[];
}

export const GROUP_STATUSES = ['ok', 'warning', 'stalled', 'stopped'] as const;

export class PartitionLagView {
  @ApiProperty() topic: string;
  @ApiProperty() partition: number;
  @ApiProperty({ nullable: true, type: Number, description: 'null: never committed (lag counts from the log start)' }) committedOffset: number | null;
  @ApiProperty() endOffset: number;
  @ApiProperty() lag: number;
  @ApiProperty({ description: 'Estimated age of the oldest record not consumed' }) lagSeconds: number;
  @ApiProperty({ enum: ['ok', 'warning', 'stalled'] }) status: string;
}

export class ConsumerGroupView {
  @ApiProperty() groupId: string;
  @ApiProperty({ description: 'Kafka group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead' }) state: string;
  @ApiProperty() members: number;
  @ApiProperty({ enum: GROUP_STATUSES }) status: string;
  @ApiProperty() statusReason: string;
  @ApiProperty({ description: 'Total lag in records' }) lag: number;
  @ApiProperty({ description: 'Largest lag in seconds over its partitions' }) lagSeconds: number;
  @ApiProperty({ description: 'Records committed per second over the window' }) messagesPerSecond: number;
  @ApiProperty({ type: PartitionLagView, isArray: true }) partitions: PartitionLagView[];
}

export class ConsumerGroupsResponse extends SampledResponse {
  @ApiProperty({ type: ConsumerGroupView, isArray: true }) groups: ConsumerGroupView[];
}

export class TimelinePointView {
  @ApiProperty() at: string;
  @ApiProperty({ description: 'Records appended per second across all topics since the previous sample' }) messagesPerSecond: number;
  @ApiProperty({ description: 'Total lag of each consumer group', example: { 'accord-sharing-broker': 0 } }) lag: Record<string, number>;
}

export class TimelineResponse extends SampledResponse {
  @ApiProperty() intervalSeconds: number;
  @ApiProperty({ type: TimelinePointView, isArray: true }) points: TimelinePointView[];
}

export class TimelineQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 240, default: 10 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number' })
  @Min(1, { message: 'must be at least 1' })
  @Max(240, { message: 'must be at most 240' })
  minutes?: number;
}
