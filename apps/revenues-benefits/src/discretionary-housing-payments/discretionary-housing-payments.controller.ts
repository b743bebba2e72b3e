import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { DiscretionaryHousingPaymentsService } from './discretionary-housing-payments.service';
import { DiscretionaryHousingPaymentRequest } from './dto/discretionary-housing-payment.request';

@ApiTags('discretionary-housing-payments')
@ParticipantScoped()
@Controller('v1/discretionary-housing-payments')
export class DiscretionaryHousingPaymentsController {
  constructor(private readonly payments: DiscretionaryHousingPaymentsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a discretionary housing payment award; publishes rb.discretionary-housing-payment.awarded.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: DiscretionaryHousingPaymentRequest) {
    return this.payments.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.payments.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.payments.get(participant, id);
  }
}
