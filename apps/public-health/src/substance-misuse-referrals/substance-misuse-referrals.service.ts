import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { RecordService, RecordWriter } from '@accord/domain-service';
import { SubstanceMisuseReferralEntity } from './substance-misuse-referral.entity';

@Injectable()
export class SubstanceMisuseReferralsService extends RecordService<SubstanceMisuseReferralEntity> {
  constructor(@InjectRepository(SubstanceMisuseReferralEntity) repository: Repository<SubstanceMisuseReferralEntity>, writer: RecordWriter) {
    super(repository, writer, 'ph.substance-misuse.referral.v1');
  }
}
