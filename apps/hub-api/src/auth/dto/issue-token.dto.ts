import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ROLES, type Role } from '../roles';

export class IssueTokenRequest {
  @ApiPropertyOptional({ description: 'The participant the token acts for', example: 'southampton.adult-social-care' })
  @IsOptional()
  @Matches(/^[a-z0-9-]+\.[a-z0-9-]+$/, { message: 'participant must be a participant id <org>.<system>' })
  participant?: string;

  @ApiProperty({ enum: ROLES, isArray: true })
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
}

export class IssuedToken {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Shown once; only its hash is stored' }) token: string;
  @ApiProperty({ nullable: true }) participant: string | null;
  @ApiProperty({ enum: ROLES, isArray: true }) roles: Role[];
}
