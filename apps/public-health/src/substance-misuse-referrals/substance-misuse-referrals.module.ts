import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubstanceMisuseReferralEntity } from './substance-misuse-referral.entity';
import { SubstanceMisuseReferralsController } from './substance-misuse-referrals.controller';
import { SubstanceMisuseReferralsService } from './substance-misuse-referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([SubstanceMisuseReferralEntity])],
  controllers: [SubstanceMisuseReferralsController],
  providers: [SubstanceMisuseReferralsService],
})
export class SubstanceMisuseReferralsModule {}
