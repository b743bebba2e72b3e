import { randomBytes } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { findParticipant } from '@accord/persistence';
import { InvalidRequest } from '@accord/platform';
import { RequireRoles } from '../auth';
import { HubApiEnvironment } from '../environment';
import { ParticipantIdPipe, ParticipantNotFound } from '../participants';
import { PutSubscriptionRequest, SubscriptionView } from './dto/delivery.dto';
import { deleteSubscription, findSubscription, putSubscription, rotateSecret, type Subscription } from './delivery-store';
import { SubscriptionNotFound } from './delivery.errors';
import { InboxCollector } from './inbox-collector';
import { webhookUrlProblems } from './webhook-url';

/** How long a rotated-out webhook secret still signs beside the new one. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3_600_000;

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

function subscriptionView(subscription: Subscription, secret?: string): SubscriptionView {
  return {
    ...subscription,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
    ...(secret === undefined ? {} : { secret }),
  };
}

/** How a participant receives over HTTPS (admin): its subscription, and its webhook's signing secret. */
@ApiTags('delivery')
@ApiBearerAuth()
@RequireRoles('admin')
@Controller('v1/participants/:id/subscription')
export class SubscriptionController {
  private readonly production: boolean;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: InboxCollector,
    environment: HubApiEnvironment,
  ) {
    this.production = environment.NODE_ENV === 'production';
  }

  @Put()
  @ApiOperation({
    summary: 'Let a participant receive its inbox over HTTPS: a pull feed, or a signed webhook',
    description:
      'Delivery starts from the earliest record Kafka still holds for the participant. A new webhook gets a signing secret, shown in ' +
      'this answer only; changing only its URL keeps the secret.',
  })
  @ApiOkResponse({ type: SubscriptionView })
  async put(@Param('id', ParticipantIdPipe) id: string, @Body() request: PutSubscriptionRequest): Promise<SubscriptionView> {
    if (request.mode === 'webhook') {
      const problems = webhookUrlProblems(request.url ?? '', this.production);
      if (problems.length > 0) throw new InvalidRequest(problems);
    } else if (request.url !== undefined) {
      throw new InvalidRequest([{ path: 'url', problem: 'is only for mode webhook' }]);
    }
    if (!(await findParticipant(this.dataSource.manager, id))) throw new ParticipantNotFound();
    const { subscription, secret } = await this.dataSource.transaction((manager) =>
      putSubscription(manager, id, { mode: request.mode, url: request.url ?? null }, newWebhookSecret),
    );
    await this.collector.refresh();
    return subscriptionView(subscription, secret);
  }

  @Get()
  @ApiOperation({ summary: "A participant's subscription (never its secret)" })
  @ApiOkResponse({ type: SubscriptionView })
  async get(@Param('id', ParticipantIdPipe) id: string): Promise<SubscriptionView> {
    const subscription = await findSubscription(this.dataSource.manager, id);
    if (!subscription) throw new SubscriptionNotFound();
    return subscriptionView(subscription);
  }

  @Post('rotate-secret')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Give the participant's webhook a new signing secret (shown once)",
    description: 'For 24 hours each delivery is signed with both the new and the old secret, so the endpoint can switch without refusing one.',
  })
  @ApiOkResponse({ type: SubscriptionView })
  async rotate(@Param('id', ParticipantIdPipe) id: string): Promise<SubscriptionView> {
    const secret = newWebhookSecret();
    const subscription = await rotateSecret(this.dataSource.manager, id, secret, SECRET_ROTATION_GRACE_MS);
    if (!subscription) throw new SubscriptionNotFound();
    return subscriptionView(subscription, secret);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End it: the participant receives over Kafka only, and what the hub held for it is dropped' })
  @ApiNoContentResponse()
  async delete(@Param('id', ParticipantIdPipe) id: string): Promise<void> {
    const deleted = await this.dataSource.transaction((manager) => deleteSubscription(manager, id));
    if (!deleted) throw new SubscriptionNotFound();
    await this.collector.refresh();
  }
}
