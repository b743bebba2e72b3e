import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { limitHeapGrowth, loadEnvironmentOrExit, runMain, startHttpApp, HTTP_APP_OPTIONS } from '@accord/platform';
import { AppModule } from './app.module';
import { SharingBrokerEnvironment } from './environment';

runMain('sharing-broker', async () => {
  const environment = loadEnvironmentOrExit('sharing-broker', SharingBrokerEnvironment);
  // Before the app allocates: its memory budget (docs/operations.md, "Memory").
  limitHeapGrowth(environment.BROKER_HEAP_GROWTH_PERCENT);
  const app = await NestFactory.create(AppModule.forRoot(environment), HTTP_APP_OPTIONS);
  await startHttpApp(app, {
    service: 'sharing-broker',
    title: 'Accord sharing broker',
    description: 'Data plane: health and metrics of the consent-aware broker',
    port: environment.BROKER_PORT,
    environment,
  });
});
