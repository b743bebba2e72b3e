import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { NotifiableDiseaseEntity } from './notifiable-disease.entity';
import { NotifiableDiseasesController } from './notifiable-diseases.controller';
import { NotifiableDiseasesService } from './notifiable-diseases.service';

@Module({
  imports: [TypeOrmModule.forFeature([NotifiableDiseaseEntity])],
  controllers: [NotifiableDiseasesController],
  providers: [NotifiableDiseasesService],
})
export class NotifiableDiseasesModule {}
