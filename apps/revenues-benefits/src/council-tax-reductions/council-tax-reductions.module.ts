import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CouncilTaxReductionEntity } from './council-tax-reduction.entity';
import { CouncilTaxReductionsController } from './council-tax-reductions.controller';
import { CouncilTaxReductionsService } from './council-tax-reductions.service';

@Module({
  imports: [TypeOrmModule.forFeature([CouncilTaxReductionEntity])],
  controllers: [CouncilTaxReductionsController],
  providers: [CouncilTaxReductionsService],
})
export class CouncilTaxReductionsModule {}
