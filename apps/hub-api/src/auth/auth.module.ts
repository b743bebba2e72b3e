import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiTokenEntity, ParticipantEntity } from '@accord/persistence';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { JwksController, TokensController } from './tokens.controller';

@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity, ParticipantEntity])],
  controllers: [TokensController, JwksController],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
