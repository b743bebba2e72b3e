import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { DEFAULT_CERTIFICATE_DAYS, MAX_CERTIFICATE_DAYS, MAX_CSR_BYTES } from '@accord/pki';

export class IssueCertificateRequest {
  @ApiProperty({
    description: 'A PKCS#10 certificate request, PEM (`openssl req -new`). Its key must be ECDSA P-256/P-384 or RSA ≥ 2048 bits; its subject is ignored',
    maxLength: MAX_CSR_BYTES,
    example: '-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----\n',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_CSR_BYTES)
  csr: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CERTIFICATE_DAYS, default: DEFAULT_CERTIFICATE_DAYS, description: 'Days the certificate is valid from now' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_CERTIFICATE_DAYS)
  days?: number;
}

export class ExpiringCertificatesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_CERTIFICATE_DAYS, default: 30 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_CERTIFICATE_DAYS)
  expiringWithinDays: number = 30;
}

export class IssuedCertificateView {
  @ApiProperty({ example: '5f0c…', description: 'Hex' }) serialNumber: string;
  @ApiProperty({ example: 'southampton.adult-social-care', description: 'The certificate subject is CN=<participant>: Kafka’s principal' }) participant: string;
  @ApiProperty() notBefore: Date;
  @ApiProperty() notAfter: Date;
  @ApiProperty({ description: 'SHA-256 of the DER certificate, hex' }) fingerprint: string;
  @ApiProperty({ description: 'The client certificate, PEM' }) certificate: string;
  @ApiProperty({ description: 'The partnership CA certificate, PEM: what the client trusts Kafka’s certificates by' }) caCertificate: string;
}

export class CertificateView {
  @ApiProperty() serialNumber: string;
  @ApiProperty() participant: string;
  @ApiProperty() fingerprint: string;
  @ApiProperty() notBefore: Date;
  @ApiProperty() notAfter: Date;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true }) revokedAt: Date | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status: 'active' | 'expired' | 'revoked';
}

export class RevokedCertificateView extends CertificateView {
  @ApiProperty({
    description:
      'Always true after a revocation: Kafka cannot tell one certificate of a participant from another, so the participant loses its ACLs (every connection, every certificate) until an admin resumes it',
  })
  participantSuspended: boolean;
}
