import type { Type } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';

/** The OpenAPI document Nest generates for `controllers`, their dependencies mocked: no database or Kafka needed. */
export async function openApiDocumentOf(controllers: Type[]): Promise<OpenAPIObject> {
  const module = await Test.createTestingModule({ controllers })
    .useMocker(() => ({}))
    .compile();
  const app = module.createNestApplication({ logger: false });
  try {
    return SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('test').build());
  } finally {
    await app.close();
  }
}
