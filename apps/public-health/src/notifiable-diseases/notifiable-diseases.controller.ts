import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { NotifiableDiseasesService } from './notifiable-diseases.service';
import { NotifiableDiseaseRequest } from './dto/notifiable-disease.request';

@ApiTags('notifiable-diseases')
@ParticipantScoped()
@Controller('v1/notifiable-diseases')
export class NotifiableDiseasesController {
  constructor(private readonly notifications: NotifiableDiseasesService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a notifiable disease notification; publishes ph.notifiable-disease.notified.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: NotifiableDiseaseRequest) {
    return this.notifications.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.notifications.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.notifications.get(participant, id);
  }
}
