import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DiscretionaryHousingPaymentEntity } from './discretionary-housing-payment.entity';
import { DiscretionaryHousingPaymentsController } from './discretionary-housing-payments.controller';
import { DiscretionaryHousingPaymentsService } from './discretionary-housing-payments.service';

@Module({
  imports: [TypeOrmModule.forFeature([DiscretionaryHousingPaymentEntity])],
  controllers: [DiscretionaryHousingPaymentsController],
  providers: [DiscretionaryHousingPaymentsService],
})
export class DiscretionaryHousingPaymentsModule {}
