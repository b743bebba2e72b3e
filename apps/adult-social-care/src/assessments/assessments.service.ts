import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { AssessmentEntity } from './assessment.entity';

@Injectable()
export class AssessmentsService extends RecordService<AssessmentEntity> {
  constructor(@InjectRepository(AssessmentEntity) repository: Repository<AssessmentEntity>, writer: RecordWriter) {
    super(repository, writer, 'asc.assessment.completed.v1');
  }
}
