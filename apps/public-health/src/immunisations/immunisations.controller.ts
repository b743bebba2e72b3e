import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { ImmunisationsService } from './immunisations.service';
import { ImmunisationRequest } from './dto/immunisation.request';

@ApiTags('immunisations')
@ParticipantScoped()
@Controller('v1/immunisations')
export class ImmunisationsController {
  constructor(private readonly immunisations: ImmunisationsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record an administered vaccine dose; publishes ph.immunisation.administered.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: ImmunisationRequest) {
    return this.immunisations.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.immunisations.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.immunisations.get(participant, id);
  }
}
