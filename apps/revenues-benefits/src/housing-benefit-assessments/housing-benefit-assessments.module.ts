import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HousingBenefitAssessmentEntity } from './housing-benefit-assessment.entity';
import { HousingBenefitAssessmentsController } from './housing-benefit-assessments.controller';
import { HousingBenefitAssessmentsService } from './housing-benefit-assessments.service';

@Module({
  imports: [TypeOrmModule.forFeature([HousingBenefitAssessmentEntity])],
  controllers: [HousingBenefitAssessmentsController],
  providers: [HousingBenefitAssessmentsService],
})
export class HousingBenefitAssessmentsModule {}
