import { Controller, Get, HttpCode, Logger, Param, ParseUUIDPipe, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InvalidRequest } from '@accord/platform';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { auditScopeOf } from './audit-scope';
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
      'with Accept: text/csv or application/x-ndjson every match is streamed. ' +
      'A token bound to a participant sees only the decisions where that participant is the source or the recipient.',
  })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiOkResponse({ type: DecisionPage })
  async decisions(
    @Query() query: DecisionPageQuery,
    @Req() request: Request,
    @CurrentCaller() caller: Caller,
  ): Promise<DecisionPage | StreamableFile> {
    const scope = auditScopeOf(caller);
    const format = MEDIA[request.accepts(Object.keys(MEDIA)) || 'application/json'];
    if (format === 'json') return this.audit.page(query, scope);
    const stream = await this.audit.export(query, format, scope);
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
  @ApiOperation({
    summary: 'One decision',
    description: 'A decision outside the scope of a token bound to a participant answers 404, exactly as an unknown id does.',
  })
  @ApiOkResponse({ type: DecisionView })
  decision(
    @Param(
      'decisionId',
      new ParseUUIDPipe({ exceptionFactory: () => new InvalidRequest([{ path: 'decisionId', problem: 'must be a UUID' }]) }),
    )
    decisionId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<DecisionView> {
    return this.audit.one(decisionId, auditScopeOf(caller));
  }

  @Get('subject-report')
  @ApiOperation({
    summary: 'Subject access report',
    description:
      'Every decision about one person (by NHS number, NI number or both), explained in plain English. For a token bound ' +
      'to a participant, only the decisions where it is the source or the recipient; the report says so (scope, summary.text).',
  })
  @ApiOkResponse({ type: SubjectReport })
  subjectReport(@Query() query: SubjectReportQuery, @CurrentCaller() caller: Caller): Promise<SubjectReport> {
    return this.audit.subjectReport(query, auditScopeOf(caller));
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
  // Unscoped for every auditor: it recomputes the whole chain (a scoped subset cannot be
  // verified: each row links to the one before it, whoever it concerns) and answers counts,
  // seqs and hashes, never a row's content. A scoped auditor already sees seqs and the
  // prevHash of out-of-scope rows on its own decisions, so the row count adds nothing.
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
