import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsOptional, Matches } from 'class-validator';
import { DataSource } from 'typeorm';
import { PARTICIPANT_ID_PATTERN } from '@accord/contracts';
import { RequireRoles } from '../auth';
import { RedriveWebhookDeadLettersRequest, WebhookDeadLetterView, WebhookEndpointView } from './dto/delivery.dto';
import { webhookTargets } from './delivery-store';
import { WebhookDispatcher } from './webhook-dispatcher';
import { endpointOrigin } from './webhook-url';
import { backlogOf, redriveDeadLetters, webhookState } from './webhook-store';

class WebhookDeadLetterQuery {
  @ApiPropertyOptional({ description: "Only this participant's dead letters" })
  @IsOptional()
  @Matches(PARTICIPANT_ID_PATTERN, { message: 'must be a participant id <org>.<system>' })
  participant?: string;
}

/** Webhook delivery for ops: each endpoint's state, and the records it refused for the whole retry period. */
@ApiTags('ops')
@ApiBearerAuth()
@RequireRoles('ops')
@Controller('v1/ops/webhooks')
export class WebhookOpsController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: WebhookDispatcher,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every webhook endpoint: ok, retrying or suspended, failing since when, its backlog and lag, its dead letters' })
  @ApiOkResponse({ type: WebhookEndpointView, isArray: true })
  async endpoints(): Promise<WebhookEndpointView[]> {
    const manager = this.dataSource.manager;
    return Promise.all(
      (await webhookTargets(manager)).map(async (target) => {
        const [state, backlog] = await Promise.all([webhookState(manager, target.participant), backlogOf(manager, target.participant)]);
        return {
          participant: target.participant,
          endpoint: endpointOrigin(target.url),
          state: target.suspended ? 'suspended' : state.attempts > 0 ? 'retrying' : 'ok',
          failingSince: state.failingSince?.toISOString() ?? null,
          attempts: state.attempts,
          lastError: state.lastError,
          nextAttemptAt: state.nextAttemptAt?.toISOString() ?? null,
          lastDeliveredAt: state.lastDeliveredAt?.toISOString() ?? null,
          pending: backlog.pending,
          lagSeconds: backlog.oldest ? Math.max(0, Math.round((Date.now() - backlog.oldest.getTime()) / 1000)) : null,
          deadLetters: backlog.deadLetters,
        } satisfies WebhookEndpointView;
      }),
    );
  }

  @Get('dead-letters')
  @ApiOperation({ summary: 'Records a webhook refused for the whole retry period (never their data)' })
  @ApiOkResponse({ type: WebhookDeadLetterView, isArray: true })
  async deadLetters(@Query() query: WebhookDeadLetterQuery): Promise<WebhookDeadLetterView[]> {
    const rows: Array<Record<string, any>> = await this.dataSource.query(
      `SELECT id::text AS id, participant, event_id, agreement, reason, attempts, failing_since, dead_lettered_at, redriven_at
       FROM delivery_dead_letters WHERE ($1::text IS NULL OR participant = $1) ORDER BY delivery_dead_letters.id DESC LIMIT 1000`,
      [query.participant ?? null],
    );
    return rows.map((row) => ({
      id: row.id,
      participant: row.participant,
      eventId: row.event_id,
      agreement: row.agreement,
      reason: row.reason,
      attempts: row.attempts,
      failingSince: row.failing_since.toISOString(),
      deadLetteredAt: row.dead_lettered_at.toISOString(),
      redrivenAt: row.redriven_at?.toISOString() ?? null,
    }));
  }

  @Post('dead-letters/redrive')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Put dead letters back at the end of their participant's webhook queue" })
  @ApiOkResponse({ schema: { type: 'object', properties: { redriven: { type: 'array', items: { type: 'string' } } } } })
  async redrive(@Body() request: RedriveWebhookDeadLettersRequest): Promise<{ redriven: string[] }> {
    const redriven = await this.dataSource.transaction((manager) => redriveDeadLetters(manager, request.participant, request.ids));
    void this.dispatcher.tick();
    return { redriven };
  }
}
