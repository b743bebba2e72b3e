import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CouncilTaxDiscountEntity } from './council-tax-discount.entity';
import { CouncilTaxDiscountsController } from './council-tax-discounts.controller';
import { CouncilTaxDiscountsService } from './council-tax-discounts.service';

@Module({
  imports: [TypeOrmModule.forFeature([CouncilTaxDiscountEntity])],
  controllers: [CouncilTaxDiscountsController],
  providers: [CouncilTaxDiscountsService],
})
export class CouncilTaxDiscountsModule {}
