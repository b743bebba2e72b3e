import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { findParticipant } from '@accord/persistence';
import { RequireRoles } from '../auth';
import { ParticipantIdPipe, ParticipantNotFound } from '../participants';
import { PutSubscriptionRequest, SubscriptionView } from './dto/delivery.dto';
import { deleteSubscription, findSubscription, putSubscription, type Subscription } from './delivery-store';
import { SubscriptionNotFound } from './delivery.errors';
import { InboxCollector } from './inbox-collector';

function subscriptionView(subscription: Subscription): SubscriptionView {
  return { ...subscription, createdAt: subscription.createdAt.toISOString(), updatedAt: subscription.updatedAt.toISOString() };
}

/** How a participant receives over HTTPS (admin): its subscription. */
@ApiTags('delivery')
@ApiBearerAuth()
@RequireRoles('admin')
@Controller('v1/participants/:id/subscription')
export class SubscriptionController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly collector: InboxCollector,
  ) {}

  @Put()
  @ApiOperation({
    summary: "Let a participant receive its inbox over HTTPS (mode `pull`): from the earliest record Kafka still holds",
  })
  @ApiOkResponse({ type: SubscriptionView })
  async put(@Param('id', ParticipantIdPipe) id: string, @Body() request: PutSubscriptionRequest): Promise<SubscriptionView> {
    if (!(await findParticipant(this.dataSource.manager, id))) throw new ParticipantNotFound();
    const subscription = await putSubscription(this.dataSource.manager, id, request.mode);
    await this.collector.refresh();
    return subscriptionView(subscription);
  }

  @Get()
  @ApiOperation({ summary: "A participant's subscription" })
  @ApiOkResponse({ type: SubscriptionView })
  async get(@Param('id', ParticipantIdPipe) id: string): Promise<SubscriptionView> {
    const subscription = await findSubscription(this.dataSource.manager, id);
    if (!subscription) throw new SubscriptionNotFound();
    return subscriptionView(subscription);
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
