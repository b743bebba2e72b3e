import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { HealthCheckEntity } from './health-check.entity';

@Injectable()
export class HealthChecksService extends RecordService<HealthCheckEntity> {
  constructor(@InjectRepository(HealthCheckEntity) repository: Repository<HealthCheckEntity>, writer: RecordWriter) {
    super(repository, writer, 'ph.health-check.completed.v1');
  }
}
