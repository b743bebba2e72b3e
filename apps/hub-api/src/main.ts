import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadEnvironmentOrExit, runMain, startHttpApp, HTTP_APP_OPTIONS } from '@accord/platform';
import { AppModule } from './app.module';
import { HubApiEnvironment } from './environment';

runMain('hub-api', async () => {
  const environment = loadEnvironmentOrExit('hub-api', HubApiEnvironment);
  const app = await NestFactory.create(AppModule.forRoot(environment), HTTP_APP_OPTIONS);
  await startHttpApp(app, {
    service: 'hub-api',
    title: 'Accord hub API',
    description: 'Control plane: participants, agreements, consent, audit and topic health',
    port: environment.HUB_API_PORT,
    environment,
    bearerAuth: true,
  });
});
