import { Injectable } from '@nestjs/common';
import { asyncApiDocument } from '@accord/contracts';

/** The published event contract. Generated from the event data classes once: it changes only with the code. */
@Injectable()
export class CatalogService {
  private readonly document = asyncApiDocument();

  asyncApi(): Record<string, unknown> {
    return this.document;
  }
}
