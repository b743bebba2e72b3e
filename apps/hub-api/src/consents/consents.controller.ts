import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRoles } from '../auth';
import { ConsentsService } from './consents.service';
import { ConsentRecordView, RecordedConsentView } from './dto/consent.views';
import { ConsentLookupQuery, RecordConsentRequest } from './dto/record-consent.dto';

@ApiTags('consents')
@ApiBearerAuth()
@RequireRoles('consent-officer')
@Controller('v1/consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentsService) {}

  @Post()
  @ApiOperation({
    summary: 'Record a consent, withdrawal, objection or national data opt-out statement',
    description:
      'The person is stored as keyed hashes only and never echoed. A withdrawal, objection or opt-out also sends a notice to ' +
      "each recipient that already received the person's data under a scope it now withholds.",
  })
  @ApiCreatedResponse({ type: RecordedConsentView })
  record(@Body() request: RecordConsentRequest): Promise<RecordedConsentView> {
    return this.consents.record(request);
  }

  @Get()
  @ApiOperation({ summary: "A person's statements and where consent stands for each current agreement" })
  @ApiOkResponse({ type: ConsentRecordView })
  lookup(@Query() query: ConsentLookupQuery): Promise<ConsentRecordView> {
    return this.consents.lookup(query);
  }
}
