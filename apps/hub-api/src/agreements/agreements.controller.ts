import { Body, Controller, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import type { AgreementSubmission } from './agreement-document';
import { AgreementIdPipe } from './agreement-id.pipe';
import { UnsupportedAgreementMediaType } from './agreements.errors';
import { AgreementsService } from './agreements.service';
import { AgreementSummaryView, AgreementVersionView, AgreementView, AppliedAgreementView } from './dto/agreement.views';
import { SimulateRequest, SimulationView } from './dto/simulate.dto';
import { SimulationService } from './simulation.service';
import { YAML_MEDIA_TYPES } from './yaml-body.middleware';

@ApiTags('agreements')
@ApiBearerAuth()
@Controller('v1/agreements')
export class AgreementsController {
  constructor(
    private readonly agreements: AgreementsService,
    private readonly simulation: SimulationService,
  ) {}

  @Post('simulate')
  @HttpCode(200)
  @RequireRoles('governance')
  @ApiOperation({
    summary: 'What a proposed agreement would decide',
    description:
      'Evaluates the proposed agreement (as the next version) and the current latest version against the supplied events, ' +
      "or the most recent records still on the provider's events topic, with today's consent registry. Answers decisions " +
      'only: never event data or identifiers.',
  })
  @ApiOkResponse({ type: SimulationView })
  simulate(@Body() request: SimulateRequest): Promise<SimulationView> {
    return this.simulation.simulate(request);
  }

  @Put(':id')
  @HttpCode(200)
  @RequireRoles('governance')
  @ApiOperation({
    summary: 'Apply an agreement (JSON, or YAML with Content-Type: application/yaml)',
    description: 'Each accepted change adds a version; an identical document adds none and answers unchanged: true. 422 lists every problem.',
  })
  @ApiConsumes('application/json', 'application/yaml')
  @ApiBody({ schema: { type: 'object', additionalProperties: true, description: 'The agreement of docs/contract.md, "Agreements"' } })
  @ApiOkResponse({ type: AppliedAgreementView })
  apply(
    @Param('id', AgreementIdPipe) id: string,
    @Body() body: unknown,
    @Req() request: Request,
    @CurrentCaller() caller: Caller,
  ): Promise<AppliedAgreementView> {
    return this.agreements.apply(id, submissionOf(request, body), caller);
  }

  @Get()
  @RequireRoles('governance', 'auditor')
  @ApiOkResponse({ type: AgreementSummaryView, isArray: true })
  list(): Promise<AgreementSummaryView[]> {
    return this.agreements.list();
  }

  @Get(':id')
  @RequireRoles('governance', 'auditor')
  @ApiOkResponse({ type: AgreementView })
  get(@Param('id', AgreementIdPipe) id: string): Promise<AgreementView> {
    return this.agreements.get(id);
  }

  @Get(':id/versions')
  @RequireRoles('governance', 'auditor')
  @ApiOkResponse({ type: AgreementVersionView, isArray: true })
  versions(@Param('id', AgreementIdPipe) id: string): Promise<AgreementVersionView[]> {
    return this.agreements.versions(id);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @RequireRoles('governance')
  @ApiOperation({ summary: 'Suspend an active agreement (adds a version); 409 when it is not active' })
  @ApiOkResponse({ type: AppliedAgreementView })
  suspend(@Param('id', AgreementIdPipe) id: string, @CurrentCaller() caller: Caller): Promise<AppliedAgreementView> {
    return this.agreements.suspend(id, caller);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireRoles('governance')
  @ApiOperation({ summary: 'Resume a suspended agreement (adds a version); 409 when it is not suspended' })
  @ApiOkResponse({ type: AppliedAgreementView })
  resume(@Param('id', AgreementIdPipe) id: string, @CurrentCaller() caller: Caller): Promise<AppliedAgreementView> {
    return this.agreements.resume(id, caller);
  }
}

/** YAML arrives as text (yamlBody), JSON as the object Nest parsed; anything else is refused. */
function submissionOf(request: Request, body: unknown): AgreementSubmission {
  if (request.is(YAML_MEDIA_TYPES) && typeof body === 'string') return { format: 'yaml', text: body };
  if (request.is('application/json')) return { format: 'json', document: body };
  throw new UnsupportedAgreementMediaType();
}
