import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { DiscretionaryHousingPaymentEntity } from './discretionary-housing-payment.entity';

@Injectable()
export class DiscretionaryHousingPaymentsService extends RecordService<DiscretionaryHousingPaymentEntity> {
  constructor(@InjectRepository(DiscretionaryHousingPaymentEntity) repository: Repository<DiscretionaryHousingPaymentEntity>, writer: RecordWriter) {
    super(repository, writer, 'rb.discretionary-housing-payment.awarded.v1');
  }
}
