import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { CouncilTaxDiscountEntity } from './council-tax-discount.entity';

@Injectable()
export class CouncilTaxDiscountsService extends RecordService<CouncilTaxDiscountEntity> {
  constructor(@InjectRepository(CouncilTaxDiscountEntity) repository: Repository<CouncilTaxDiscountEntity>, writer: RecordWriter) {
    super(repository, writer, 'rb.council-tax.discount-changed.v1');
  }
}
