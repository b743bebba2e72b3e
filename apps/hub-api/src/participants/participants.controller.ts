import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { ConnectionKitView } from './dto/connection-kit.view';
import { ParticipantView, RegisterParticipantRequest, ResumeParticipantRequest } from './dto/register-participant.dto';
import { ParticipantIdPipe } from './participant-id.pipe';
import { ParticipantsService } from './participants.service';

@ApiTags('participants')
@ApiBearerAuth()
@Controller('v1/participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Put(':id')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Register (or rename) a participant: its topics, and its Kafka ACLs unless it is suspended' })
  @ApiOkResponse({ type: ParticipantView })
  register(@Param('id', ParticipantIdPipe) id: string, @Body() request: RegisterParticipantRequest) {
    return this.participants.register(id, request.displayName);
  }

  @Get()
  @ApiOperation({ summary: 'Every participant, with its suspension and the expiry of its certificates' })
  @ApiOkResponse({ type: ParticipantView, isArray: true })
  list() {
    return this.participants.list();
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Suspend: Kafka refuses its every request (open connections included) until resumed' })
  @ApiOkResponse({ type: ParticipantView })
  @ApiNotFoundResponse({ description: 'participant-not-found' })
  suspend(@Param('id', ParticipantIdPipe) id: string) {
    return this.participants.suspend(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Resume: its Kafka ACLs are granted again' })
  @ApiOkResponse({ type: ParticipantView })
  @ApiNotFoundResponse({ description: 'participant-not-found' })
  @ApiConflictResponse({ description: 'participant-revoked-certificates-valid: a revoked certificate would connect again; send acceptRevokedCertificates to resume anyway' })
  resume(@Param('id', ParticipantIdPipe) id: string, @Body() request: ResumeParticipantRequest) {
    return this.participants.resume(id, request?.acceptRevokedCertificates === true);
  }

  @Get(':id/connection')
  @ApiOperation({ summary: 'The connection kit: bootstrap servers, CA, topics, group prefix and a kafkajs configuration (admin, or a token bound to this participant)' })
  @ApiOkResponse({ type: ConnectionKitView })
  @ApiForbiddenResponse({ description: 'participant-forbidden: a token bound to another participant' })
  @ApiNotFoundResponse({ description: 'participant-not-found' })
  connection(@Param('id', ParticipantIdPipe) id: string, @CurrentCaller() caller: Caller) {
    return this.participants.connectionKit(id, caller);
  }
}
