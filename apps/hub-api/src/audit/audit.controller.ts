import { Controller, Get, HttpCode, Logger, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InvalidRequest } from '@accord/platform';
import { RequireRoles } from '../auth/roles';
import { AuditSealer } from './audit-sealer.service';
import { AuditService, type ExportFormat } from './audit.service';
import { DecisionPageQuery, SubjectReportQuery } from './dto/decision-query.dto';
import { DecisionPage, DecisionView, PublicKeyView, SealView, SubjectReport, VerificationView } from './dto/decision.view';

const MEDIA: Record<string, ExportFormat | 'json'> = {
  'application/json': 'json',
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
};

@ApiTags('audit')
@ApiBearerAuth()
@RequireRoles('auditor')
@Controller('v1/audit')
export class AuditController {
  private readonly logger = new Logger(AuditController.name);

  constructor(
    private readonly audit: AuditService,
    private readonly sealer: AuditSealer,
  ) {}

  @Get('decisions')
  @ApiOperation({
    summary: 'Search the sharing decisions',
    description:
      'Filters combine with AND; nhsNumber and niNumber are hashed server-side. JSON answers one page ({items, nextCursor}); ' +
      'with Accept: text/csv or application/x-ndjson every match is streamed.',
  })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiOkResponse({ type: DecisionPage })
  async decisions(@Query() query: DecisionPageQuery, @Req() request: Request): Promise<DecisionPage | StreamableFile> {
    const format = MEDIA[request.accepts(Object.keys(MEDIA)) || 'application/json'];
    if (format === 'json') return this.audit.page(query);
    const stream = await this.audit.export(query, format);
    const file = new StreamableFile(stream, {
      type: format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      disposition: `attachment; filename="accord-decisions.${format}"`,
    });
    return file.setErrorHandler((error, response) => this.cutShort('export', error, response));
  }

  /** Headers are sent by then: cutting the connection keeps a truncated stream from looking complete. */
  private cutShort(what: string, error: Error, response: unknown): void {
    this.logger.error({ problem: error.message }, `audit ${what} failed`);
    const res = response as Response;
    if (res.headersSent) res.destroy();
    else res.status(500).json({ code: 'internal', message: 'An internal error occurred' });
  }

  @Get('decisions/:decisionId')
  @ApiOkResponse({ type: DecisionView })
  decision(
    @Param(
      'decisionId',
      new ParseUUIDPipe({ exceptionFactory: () => new InvalidRequest([{ path: 'decisionId', problem: 'must be a UUID' }]) }),
    )
    decisionId: string,
  ): Promise<DecisionView> {
    return this.audit.one(decisionId);
  }

  @Get('subject-report')
  @ApiOperation({
    summary: 'Subject access report',
    description: 'Every decision about one person (by NHS number, NI number or both), explained in plain English.',
  })
  @ApiOkResponse({ type: SubjectReport })
  subjectReport(@Query() query: SubjectReportQuery): Promise<SubjectReport> {
    return this.audit.subjectReport(query);
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Recompute the chain and the signed checkpoints',
    description:
      'ok: false names the first broken seq. With Accept: application/x-ndjson the answer streams while it runs: ' +
      '{"progress":{"checked","total"}} lines (at the start, then at most one a second), and last {"report":{…}}, ' +
      'the JSON answer. A stream without its report line was cut short. Verification stops if the client leaves.',
  })
  @ApiProduces('application/json', 'application/x-ndjson')
  @ApiOkResponse({ type: VerificationView })
  async verify(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<VerificationView | StreamableFile> {
    // The response closes unfinished when the client leaves: nobody is waiting for the rest.
    const stop = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) stop.abort();
    });
    if (request.accepts(['application/json', 'application/x-ndjson']) === 'application/x-ndjson') {
      const file = new StreamableFile(this.audit.verifyWithProgress(stop.signal), { type: 'application/x-ndjson; charset=utf-8' });
      return file.setErrorHandler((error, res) => this.cutShort('verification', error, res));
    }
    return this.audit.verify(stop.signal);
  }

  @Get('public-key')
  @ApiOkResponse({ type: PublicKeyView })
  publicKey(): PublicKeyView {
    return this.audit.publicKey();
  }

  @Post('checkpoints')
  @HttpCode(200)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Verify the rows since the last checkpoint and seal the chain head now' })
  @ApiOkResponse({ type: SealView })
  async seal(): Promise<SealView> {
    return { checkpoint: await this.sealer.sealHead() };
  }
}
