import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadEnvironmentOrExit, runMain, startHttpApp, HTTP_APP_OPTIONS } from '@accord/platform';
import { connectInbox } from '@accord/domain-service';
import { AppModule } from './app.module';
import { AdultSocialCareEnvironment } from './environment';

runMain('adult-social-care', async () => {
  const environment = loadEnvironmentOrExit('adult-social-care', AdultSocialCareEnvironment);
  const app = await NestFactory.create(AppModule.forRoot(environment), HTTP_APP_OPTIONS);
  await startHttpApp(app, {
    service: 'adult-social-care',
    title: 'Accord adult social care service',
    description: 'Care Act records published to the hub, and work items from shared records. Every route but /health and /metrics needs a bearer token from hub-api (POST /v1/tokens), bound to a participant this service serves: publisher to write, reader to read',
    port: environment.ASC_PORT,
    bearerAuth: true,
    environment,
  });
  await connectInbox(app);
});
