import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

export class RegisterParticipantRequest {
  @ApiProperty({ example: 'Southampton City Council adult social care' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName: string;
}

export class ResumeParticipantRequest {
  @ApiPropertyOptional({
    description:
      'Resume even though revoked certificates of this participant have not expired: Kafka authorises the participant id, not the certificate, so they connect again until their notAfter',
    default: false,
  })
  @IsOptional()
  @IsBoolean()
  acceptRevokedCertificates?: boolean;
}

export class ParticipantView {
  @ApiProperty({ example: 'southampton.adult-social-care' }) id: string;
  @ApiProperty({ example: 'southampton' }) organisation: string;
  @ApiProperty({ example: 'adult-social-care' }) system: string;
  @ApiProperty() displayName: string;
  @ApiProperty() registeredAt: Date;
  @ApiProperty({ example: 'accord.events.southampton.adult-social-care' }) eventsTopic: string;
  @ApiProperty({ example: 'accord.inbox.southampton.adult-social-care' }) inboxTopic: string;
  @ApiProperty({ description: 'A suspended participant holds no Kafka ACLs: it can neither publish nor consume' }) suspended: boolean;
  @ApiProperty({ type: Date, nullable: true }) suspendedAt: Date | null;
  @ApiProperty({ enum: ['suspended', 'certificate-revoked'], nullable: true, description: 'suspended by an admin, or by the revocation of one of its certificates' })
  suspensionReason: 'suspended' | 'certificate-revoked' | null;
  @ApiProperty({ type: Date, nullable: true, description: 'The latest notAfter among its certificates that are neither revoked nor expired; null when it has none issued by the hub' })
  certificateExpiresAt: Date | null;
}
