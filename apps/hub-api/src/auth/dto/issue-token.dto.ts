import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PARTICIPANT_ID_PATTERN } from '@accord/contracts';
import { ROLES, type Role } from '../roles';

export class IssueTokenRequest {
  @ApiPropertyOptional({ description: 'The participant the token acts for; the domain services accept only a token bound to a participant they serve', example: 'southampton.adult-social-care' })
  @IsOptional()
  @Matches(PARTICIPANT_ID_PATTERN, { message: 'participant must be a participant id <org>.<system>' })
  participant?: string;

  @ApiProperty({ enum: ROLES, isArray: true, description: 'publisher writes and reader reads records on the domain services; the others are hub-api roles' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(ROLES, { each: true, message: `each role must be one of ${ROLES.join(', ')}` })
  roles: Role[];

  @ApiPropertyOptional({ description: 'What the token is for' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  description?: string;

  @ApiPropertyOptional({ description: 'When the token stops working (ISO 8601, at most 365 days ahead); 90 days from now when absent', example: '2027-03-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
}

export class IssuedToken {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Shown once: a signed JWT that is not stored' }) token: string;
  @ApiProperty({ nullable: true, type: String }) participant: string | null;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class TokenListItem {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) participant: string | null;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Id of the token that issued it' }) createdBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Last use seen by hub-api (within a few seconds); use at the domain services is not reported' }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status: string;
}

class RevokedToken {
  @ApiProperty() id: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class RevocationListView {
  @ApiProperty({ format: 'date-time', description: 'Every token revoked before this is listed' }) asOf: string;
  @ApiProperty({ type: RevokedToken, isArray: true }) revoked: RevokedToken[];
}

export class JsonWebKeySet {
  @ApiProperty({ description: 'Ed25519 public keys (OKP, alg EdDSA)', type: 'array', items: { type: 'object' } }) keys: object[];
}
