import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

export class RegisterParticipantRequest {
  @ApiProperty({ example: 'Southampton City Council adult social care' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  displayName: string;
}

export class ParticipantView {
  @ApiProperty({ example: 'southampton.adult-social-care' }) id: string;
  @ApiProperty({ example: 'southampton' }) organisation: string;
  @ApiProperty({ example: 'adult-social-care' }) system: string;
  @ApiProperty() displayName: string;
  @ApiProperty() registeredAt: Date;
  @ApiProperty({ example: 'accord.events.southampton.adult-social-care' }) eventsTopic: string;
  @ApiProperty({ example: 'accord.inbox.southampton.adult-social-care' }) inboxTopic: string;
}
