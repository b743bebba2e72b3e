import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadEnvironmentOrExit, runMain, startHttpApp, HTTP_APP_OPTIONS } from '@accord/platform';
import { connectInbox } from '@accord/domain-service';
import { AppModule } from './app.module';
import { RevenuesBenefitsEnvironment } from './environment';

runMain('revenues-benefits', async () => {
  const environment = loadEnvironmentOrExit('revenues-benefits', RevenuesBenefitsEnvironment);
  const app = await NestFactory.create(AppModule.forRoot(environment), HTTP_APP_OPTIONS);
  await startHttpApp(app, {
    service: 'revenues-benefits',
    title: 'Accord revenues and benefits service',
    description: 'Revenues and benefits records published to the hub for one or more councils, and work items from shared records. Every route but /health and /metrics needs a bearer token from hub-api (POST /v1/tokens), bound to a participant this service serves: publisher to write, reader to read',
    port: environment.RB_PORT,
    bearerAuth: true,
    environment,
  });
  await connectInbox(app);
});
