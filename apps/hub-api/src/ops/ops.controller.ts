import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { DeadLettersService } from './dead-letters.service';
import { DeadLetterQuery, DeadLetterSummary, RedriveRequest, RedriveResult } from './dto/dead-letter.dto';
import { ConsumerGroupsResponse, TimelineQuery, TimelineResponse, TopicsResponse } from './dto/topic-health.views';
import { TopicHealthService } from './topic-health.service';

/** Topic health for ops (docs/contract.md, "Topic health"): topics, consumer groups, the dead-letter queue and redrive. */
@ApiTags('ops')
@ApiBearerAuth()
@RequireRoles('ops')
@ApiServiceUnavailableResponse({ description: 'Kafka did not answer' })
@Controller('v1/ops')
export class OpsController {
  constructor(
    private readonly topicHealth: TopicHealthService,
    private readonly deadLetters: DeadLettersService,
  ) {}

  @Get('topics')
  @ApiOperation({ summary: 'Every topic: partitions, start and end offsets, records appended per second over the window' })
  @ApiOkResponse({ type: TopicsResponse })
  topics() {
    return this.topicHealth.topics();
  }

  @Get('consumer-groups')
  @ApiOperation({ summary: 'Every consumer group: lag per partition, lag in seconds, and status ok | warning | stalled | stopped' })
  @ApiOkResponse({ type: ConsumerGroupsResponse })
  consumerGroups() {
    return this.topicHealth.consumerGroups();
  }

  @Get('timeline')
  @ApiOperation({ summary: 'Throughput and each group’s lag per sample over the last minutes (the console chart)' })
  @ApiOkResponse({ type: TimelineResponse })
  timeline(@Query() query: TimelineQuery) {
    return this.topicHealth.timeline(query.minutes ?? 10);
  }

  @Get('dlq')
  @ApiOperation({ summary: 'The dead-letter queue: depth, oldest record age, counts by reason, and the records, newest first' })
  @ApiOkResponse({ type: DeadLetterSummary })
  dlq(@Query() query: DeadLetterQuery) {
    return this.deadLetters.summary(query);
  }

  @Post('dlq/redrive')
  @HttpCode(200)
  @ApiOperation({ summary: 'Re-publish the named (or all pending) DLQ records to their source topic; refused ones say why' })
  @ApiOkResponse({ type: RedriveResult })
  redrive(@Body() request: RedriveRequest, @CurrentCaller() caller: Caller) {
    return this.deadLetters.redrive(request, caller);
  }
}
