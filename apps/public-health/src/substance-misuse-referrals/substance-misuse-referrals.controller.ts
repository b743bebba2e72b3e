import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { SubstanceMisuseReferralsService } from './substance-misuse-referrals.service';
import { SubstanceMisuseReferralRequest } from './dto/substance-misuse-referral.request';

@ApiTags('substance-misuse-referrals')
@ParticipantScoped()
@Controller('v1/substance-misuse-referrals')
export class SubstanceMisuseReferralsController {
  constructor(private readonly referrals: SubstanceMisuseReferralsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a referral to drug and alcohol treatment; publishes ph.substance-misuse.referral.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: SubstanceMisuseReferralRequest) {
    return this.referrals.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.referrals.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.referrals.get(participant, id);
  }
}
