import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { NotifiableDiseaseEntity } from './notifiable-disease.entity';

@Injectable()
export class NotifiableDiseasesService extends RecordService<NotifiableDiseaseEntity> {
  constructor(@InjectRepository(NotifiableDiseaseEntity) repository: Repository<NotifiableDiseaseEntity>, writer: RecordWriter) {
    super(repository, writer, 'ph.notifiable-disease.notified.v1');
  }
}
