import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { ReviewEntity } from './review.entity';

@Injectable()
export class ReviewsService extends RecordService<ReviewEntity> {
  constructor(@InjectRepository(ReviewEntity) repository: Repository<ReviewEntity>, writer: RecordWriter) {
    super(repository, writer, 'asc.review.completed.v1');
  }
}
