import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PUBLIC_ROUTE } from '@accord/platform';
import { BootstrapRoute } from './auth.guard';
import { AuthService } from './auth.service';
import { CurrentCaller } from './caller.decorator';
import { IssuedToken, IssueTokenRequest, JsonWebKeySet, RevocationListView, TokenListItem } from './dto/issue-token.dto';
import { RequireRoles, type Caller } from './roles';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/tokens')
export class TokensController {
  constructor(private readonly auth: AuthService) {}

  @Post()
  @HttpCode(201)
  @RequireRoles('admin')
  @BootstrapRoute()
  @ApiOperation({ summary: 'Issue a token (returned once; expires in 90 days unless expiresAt says otherwise)' })
  @ApiCreatedResponse({ type: IssuedToken })
  issue(@Body() request: IssueTokenRequest, @CurrentCaller() caller: Caller) {
    return this.auth.issue(request, caller);
  }

  @Get()
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Every token issued, newest first, without the tokens themselves' })
  @ApiOkResponse({ type: TokenListItem, isArray: true })
  list() {
    return this.auth.list();
  }

  /** Public: the domain services poll it; it names token ids only, which grant nothing without the signed token. */
  @Get('revocations')
  @PUBLIC_ROUTE()
  @ApiOperation({ summary: 'Revoked tokens not yet expired: every app refuses them (polled by the domain services)' })
  @ApiOkResponse({ type: RevocationListView })
  revocations() {
    return this.auth.revocationList();
  }

  @Delete(':id')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Revoke a token: hub-api refuses it at once, the domain services within 5 s' })
  @ApiOkResponse({ type: TokenListItem })
  revoke(@Param('id', new ParseUUIDPipe()) id: string, @CurrentCaller() caller: Caller) {
    return this.auth.revoke(id, caller);
  }
}

/** The public keys every app verifies hub-api's tokens with (RFC 7517). */
@ApiTags('tokens')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly auth: AuthService) {}

  @Get('jwks.json')
  @PUBLIC_ROUTE()
  @ApiOperation({ summary: 'The Ed25519 public key set that verifies bearer tokens' })
  @ApiOkResponse({ type: JsonWebKeySet })
  jwks() {
    return this.auth.jwks();
  }
}
