import { ApiProperty } from '@nestjs/swagger';

/** What a publish request answers (202): the events are in the hub's outbox, on their way to the events topic. */
export class PublishedEventsView {
  @ApiProperty({ type: [String], description: "Every event's id, in the order sent", example: ['0f8fad5b-d9cb-469f-a165-70867728950e'] })
  ids: string[];

  @ApiProperty({
    type: [String],
    description: 'The ids among them accepted before with the same content (a retry): nothing new is published for them',
    example: [],
  })
  alreadyAccepted: string[];
}
