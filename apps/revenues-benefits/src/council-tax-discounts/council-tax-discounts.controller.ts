import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { CouncilTaxDiscountsService } from './council-tax-discounts.service';
import { CouncilTaxDiscountRequest } from './dto/council-tax-discount.request';

@ApiTags('council-tax-discounts')
@ParticipantScoped()
@Controller('v1/council-tax-discounts')
export class CouncilTaxDiscountsController {
  constructor(private readonly discounts: CouncilTaxDiscountsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a council tax discount or exemption change; publishes rb.council-tax.discount-changed.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: CouncilTaxDiscountRequest) {
    return this.discounts.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.discounts.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.discounts.get(participant, id);
  }
}
