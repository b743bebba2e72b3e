import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { AuthService } from './auth.service';
import { CurrentCaller } from './caller.decorator';
import { IssuedToken, IssueTokenRequest } from './dto/issue-token.dto';
import { RequireRoles, type Caller } from './roles';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiCreatedResponse({ type: IssuedToken })
  issue(@Body() request: IssueTokenRequest, @CurrentCaller() caller: Caller) {
    return this.auth.issue(request, caller);
  }
}
