import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { HousingBenefitAssessmentsService } from './housing-benefit-assessments.service';
import { HousingBenefitAssessmentRequest } from './dto/housing-benefit-assessment.request';

@ApiTags('housing-benefit-assessments')
@ParticipantScoped()
@Controller('v1/housing-benefit-assessments')
export class HousingBenefitAssessmentsController {
  constructor(private readonly assessments: HousingBenefitAssessmentsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a housing benefit assessment; publishes rb.housing-benefit.assessed.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: HousingBenefitAssessmentRequest) {
    return this.assessments.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.assessments.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.assessments.get(participant, id);
  }
}
