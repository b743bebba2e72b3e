import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireRoles } from '../auth/roles';
import { ParticipantIdPipe } from './participant-id.pipe';
import { ParticipantView, RegisterParticipantRequest } from './dto/register-participant.dto';
import { ParticipantsService } from './participants.service';

@ApiTags('participants')
@ApiBearerAuth()
@Controller('v1/participants')
export class ParticipantsController {
  constructor(private readonly participants: ParticipantsService) {}

  @Put(':id')
  @RequireRoles('admin')
  @ApiOkResponse({ type: ParticipantView })
  register(@Param('id', ParticipantIdPipe) id: string, @Body() request: RegisterParticipantRequest) {
    return this.participants.register(id, request.displayName);
  }

  @Get()
  @ApiOkResponse({ type: ParticipantView, isArray: true })
  list() {
    return this.participants.list();
  }
}
