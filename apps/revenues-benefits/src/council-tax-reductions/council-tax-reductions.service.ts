import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { CouncilTaxReductionEntity } from './council-tax-reduction.entity';

@Injectable()
export class CouncilTaxReductionsService extends RecordService<CouncilTaxReductionEntity> {
  constructor(@InjectRepository(CouncilTaxReductionEntity) repository: Repository<CouncilTaxReductionEntity>, writer: RecordWriter) {
    super(repository, writer, 'rb.council-tax-reduction.awarded.v1');
  }
}
