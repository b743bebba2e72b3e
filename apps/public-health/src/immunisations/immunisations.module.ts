import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ImmunisationEntity } from './immunisation.entity';
import { ImmunisationsController } from './immunisations.controller';
import { ImmunisationsService } from './immunisations.service';

@Module({
  imports: [TypeOrmModule.forFeature([ImmunisationEntity])],
  controllers: [ImmunisationsController],
  providers: [ImmunisationsService],
})
export class ImmunisationsModule {}
