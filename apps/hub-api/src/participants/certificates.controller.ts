import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { CertificateView, ExpiringCertificatesQuery, IssueCertificateRequest, IssuedCertificateView, RevokedCertificateView } from './dto/certificate.dto';
import { CertificatesService } from './certificates.service';
import { ParticipantIdPipe } from './participant-id.pipe';
import { SerialNumberPipe } from './serial-number.pipe';

@ApiTags('participants')
@ApiBearerAuth()
@Controller('v1/participants')
export class CertificatesController {
  constructor(private readonly certificates: CertificatesService) {}

  @Get('certificates')
  @RequireRoles('ops')
  @ApiOperation({ summary: 'Certificates of every participant that are still good but expire within expiringWithinDays (default 30), soonest first' })
  @ApiOkResponse({ type: CertificateView, isArray: true })
  expiring(@Query() query: ExpiringCertificatesQuery) {
    return this.certificates.expiring(query.expiringWithinDays);
  }

  @Post(':id/certificates')
  @HttpCode(201)
  @RequireRoles('admin')
  @ApiOperation({ summary: 'Issue a Kafka client certificate (subject CN=<participant>) for a CSR; the private key stays with the partner' })
  @ApiCreatedResponse({ type: IssuedCertificateView })
  @ApiNotFoundResponse({ description: 'participant-not-found' })
  @ApiUnprocessableEntityResponse({ description: 'pki-csr-invalid, with every problem; nothing stored' })
  issue(@Param('id', ParticipantIdPipe) id: string, @Body() request: IssueCertificateRequest, @CurrentCaller() caller: Caller) {
    return this.certificates.issue(id, request, caller);
  }

  @Get(':id/certificates')
  @RequireRoles('admin')
  @ApiOperation({ summary: 'The participant’s certificates, newest first (no private material)' })
  @ApiOkResponse({ type: CertificateView, isArray: true })
  @ApiNotFoundResponse({ description: 'participant-not-found' })
  list(@Param('id', ParticipantIdPipe) id: string) {
    return this.certificates.list(id);
  }

  @Delete(':id/certificates/:serial')
  @RequireRoles('admin')
  @ApiOperation({
    summary:
      'Revoke a certificate. Kafka authorises the participant, not the certificate, and checks no revocation list: the participant is suspended (all its Kafka access cut) until an admin resumes it',
  })
  @ApiOkResponse({ type: RevokedCertificateView })
  @ApiNotFoundResponse({ description: 'participant-not-found, participant-certificate-not-found' })
  @ApiServiceUnavailableResponse({ description: 'participant-access-unavailable: Kafka did not apply the change; nothing recorded' })
  revoke(@Param('id', ParticipantIdPipe) id: string, @Param('serial', SerialNumberPipe) serial: string, @CurrentCaller() caller: Caller) {
    return this.certificates.revoke(id, serial, caller);
  }
}
