import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { EndServiceRequest, StartServiceRequest } from './dto/service.requests';
import { ServicesService } from './services.service';

@ApiTags('services')
@ParticipantScoped()
@Controller('v1/services')
export class ServicesController {
  constructor(private readonly services: ServicesService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record that a care and support service started; publishes asc.service.started.v1' })
  @ApiCreatedResponse({ description: 'The stored service, with the id of the event it published' })
  start(@CurrentParticipant() participant: string, @Body() request: StartServiceRequest) {
    return this.services.create(participant, request);
  }

  @Post(':id/end')
  @RequireRole('publisher')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the service ended; publishes asc.service.ended.v1' })
  @ApiOkResponse({ description: 'The ended service' })
  end(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string, @Body() request: EndServiceRequest) {
    return this.services.end(participant, id, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: "This participant's services, newest first" })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.services.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.services.get(participant, id);
  }
}
