import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CatalogService } from './catalog.service';

/** What partners must publish and will receive, machine-readable: any valid token may read it. */
@ApiTags('catalog')
@ApiBearerAuth()
@Controller('v1/catalog')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('asyncapi.json')
  @ApiOperation({ summary: 'The AsyncAPI 3.0 document of every topic, message (one per event type) and header' })
  @ApiOkResponse({ description: 'AsyncAPI 3.0 (JSON); each message payload is the JSON Schema of the event data' })
  asyncApi() {
    return this.catalog.asyncApi();
  }
}
