import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadEnvironmentOrExit, runMain, startHttpApp, HTTP_APP_OPTIONS } from '@accord/platform';
import { connectInbox } from '@accord/domain-service';
import { AppModule } from './app.module';
import { PublicHealthEnvironment } from './environment';

runMain('public-health', async () => {
  const environment = loadEnvironmentOrExit('public-health', PublicHealthEnvironment);
  const app = await NestFactory.create(AppModule.forRoot(environment), HTTP_APP_OPTIONS);
  await startHttpApp(app, {
    service: 'public-health',
    title: 'Accord public health service',
    description: 'Public health records published to the hub, and work items from shared records. Every route but /health and /metrics needs a bearer token from hub-api (POST /v1/tokens), bound to a participant this service serves: publisher to write, reader to read',
    port: environment.PH_PORT,
    bearerAuth: true,
    environment,
  });
  await connectInbox(app);
});
