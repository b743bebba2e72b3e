import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SafeguardingConcernEntity } from './safeguarding-concern.entity';
import { SafeguardingConcernsController } from './safeguarding-concerns.controller';
import { SafeguardingConcernsService } from './safeguarding-concerns.service';

@Module({
  imports: [TypeOrmModule.forFeature([SafeguardingConcernEntity])],
  controllers: [SafeguardingConcernsController],
  providers: [SafeguardingConcernsService],
})
export class SafeguardingConcernsModule {}
