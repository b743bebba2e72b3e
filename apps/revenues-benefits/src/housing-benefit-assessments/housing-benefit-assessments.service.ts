import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { HousingBenefitAssessmentEntity } from './housing-benefit-assessment.entity';

@Injectable()
export class HousingBenefitAssessmentsService extends RecordService<HousingBenefitAssessmentEntity> {
  constructor(@InjectRepository(HousingBenefitAssessmentEntity) repository: Repository<HousingBenefitAssessmentEntity>, writer: RecordWriter) {
    super(repository, writer, 'rb.housing-benefit.assessed.v1');
  }
}
