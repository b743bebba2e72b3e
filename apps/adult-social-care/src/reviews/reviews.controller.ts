import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentParticipant, PageQuery, ParticipantScoped, RequireRole } from '@accord/domain-service';
import { ReviewsService } from './reviews.service';
import { ReviewRequest } from './dto/review.request';

@ApiTags('reviews')
@ParticipantScoped()
@Controller('v1/reviews')
export class ReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Post()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Record a completed care and support plan review; publishes asc.review.completed.v1' })
  @ApiCreatedResponse({ description: 'The stored record, with the id of the event it published' })
  create(@CurrentParticipant() participant: string, @Body() request: ReviewRequest) {
    return this.reviews.create(participant, request);
  }

  @Get()
  @RequireRole('reader')
  @ApiOperation({ summary: 'This participant\'s records, newest first' })
  list(@CurrentParticipant() participant: string, @Query() page: PageQuery) {
    return this.reviews.list(participant, page);
  }

  @Get(':id')
  @RequireRole('reader')
  get(@CurrentParticipant() participant: string, @Param('id', ParseUUIDPipe) id: string) {
    return this.reviews.get(participant, id);
  }
}
