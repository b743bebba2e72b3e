import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { SafeguardingConcernEntity } from './safeguarding-concern.entity';

@Injectable()
export class SafeguardingConcernsService extends RecordService<SafeguardingConcernEntity> {
  constructor(@InjectRepository(SafeguardingConcernEntity) repository: Repository<SafeguardingConcernEntity>, writer: RecordWriter) {
    super(repository, writer, 'asc.safeguarding.concern-raised.v1');
  }
}
