import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { CouncilTaxReductionsService } from './council-tax-reductions.service';
import { CouncilTaxReductionRequest } from './dto/council-tax-reduction.request';

@ApiTags('council-tax-reductions')
@ParticipantScoped()
@Controller('v1/council-tax-reductions')
export class CouncilTaxReductionsController {
  constructor(private readonly reductions: CouncilTaxReductionsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a council tax reduction award; publishes rb.council-tax-reduction.awarded.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: CouncilTaxReductionRequest) {
    return this.reductions.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.reductions.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.reductions.get(participant, id);
  }
}
