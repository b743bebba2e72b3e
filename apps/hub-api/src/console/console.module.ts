import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** `GET /`: the ops and audit console (static files, no build step). */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
