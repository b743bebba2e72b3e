import { Controller, Get, Query } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../auth/domain-roles';
import { CurrentParticipant, ParticipantScoped } from '../tenancy/tenancy';
import { PageQuery } from '../records/page';
import { INBOX_PATTERN } from './inbox.server';
import { InboxService } from './inbox.service';

@ApiTags('inbox')
@ParticipantScoped()
@Controller('v1/inbox')
export class InboxController {
  constructor(private readonly inbox: InboxService) {}

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'Work items created from records shared with this participant, newest first' })
  @ApiOkResponse({ description: '{ items, nextCursor }; each item names the agreement, purpose, decision, source and event type' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.inbox.list(participant, page);
  }
}

/** The Kafka side of the inbox: every inbox topic of the service arrives here. */
@Controller()
export class InboxListener {
  constructor(private readonly inbox: InboxService) {}

  @EventPattern(INBOX_PATTERN)
  async receive(@Ctx() context: KafkaContext): Promise<void> {
    await this.inbox.receive(context.getTopic(), context.getPartition(), context.getMessage() as never);
  }
}
