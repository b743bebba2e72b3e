import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { SafeguardingConcernsService } from './safeguarding-concerns.service';
import { SafeguardingConcernRequest } from './dto/safeguarding-concern.request';

@ApiTags('safeguarding-concerns')
@ParticipantScoped()
@Controller('v1/safeguarding-concerns')
export class SafeguardingConcernsController {
  constructor(private readonly concerns: SafeguardingConcernsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a safeguarding concern about an adult at risk; publishes asc.safeguarding.concern-raised.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: SafeguardingConcernRequest) {
    return this.concerns.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.concerns.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.concerns.get(participant, id);
  }
}
