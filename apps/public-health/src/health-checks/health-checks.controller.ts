import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { HealthChecksService } from './health-checks.service';
import { HealthCheckRequest } from './dto/health-check.request';

@ApiTags('health-checks')
@ParticipantScoped()
@Controller('v1/health-checks')
export class HealthChecksController {
  constructor(private readonly healthChecks: HealthChecksService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a completed NHS Health Check; publishes ph.health-check.completed.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: HealthCheckRequest) {
    return this.healthChecks.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.healthChecks.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.healthChecks.get(participant, id);
  }
}
