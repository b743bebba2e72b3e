import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { AckRequest, AckView, MAX_WAIT_SECONDS, PullPageView, PullQuery } from './dto/delivery.dto';
import { PullFeed } from './pull-feed.service';

@ApiTags('delivery')
@ApiBearerAuth()
@RequireRoles('reader')
@Controller('v1/inbox')
export class InboxController {
  constructor(private readonly feed: PullFeed) {}

  @Get()
  @ApiOperation({
    summary: "Pull the token's participant's inbox records after a cursor, in order",
    description:
      `For partners that cannot accept inbound connections (subscription mode \`pull\`). With \`wait\`, an empty answer waits up to ${MAX_WAIT_SECONDS} s ` +
      'for a record (long-poll). Records stay until acknowledged (POST /v1/inbox/ack), or 7 days.',
  })
  @ApiOkResponse({ type: PullPageView })
  pull(@CurrentCaller() caller: Caller, @Query() query: PullQuery): Promise<PullPageView> {
    return this.feed.pull(caller, query);
  }

  @Post('ack')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Acknowledge every record up to a cursor: they are not returned again, and the hub stops holding them' })
  @ApiOkResponse({ type: AckView })
  acknowledge(@CurrentCaller() caller: Caller, @Body() request: AckRequest): Promise<AckView> {
    return this.feed.acknowledge(caller, request.cursor);
  }
}
