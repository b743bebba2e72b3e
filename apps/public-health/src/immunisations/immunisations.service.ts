import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { ImmunisationEntity } from './immunisation.entity';

@Injectable()
export class ImmunisationsService extends RecordService<ImmunisationEntity> {
  constructor(@InjectRepository(ImmunisationEntity) repository: Repository<ImmunisationEntity>, writer: RecordWriter) {
    super(repository, writer, 'ph.immunisation.administered.v1');
  }
}
