import { Controller, Get, Header, Module, SetMetadata, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, register, type Metric } from 'prom-client';

/*
 * Prometheus metrics. Every Accord app serves prom-client's default registry at `/metrics`,
 * so a metric registered anywhere in the process (the broker's counters, the outbox
 * backlog gauge, hub-api's lag gauges) is exported without wiring.
 */

/**
 * The metadata key `@RequireRoles` (`@accord/auth`) sets and hub-api's AuthGuard reads.
 * `/metrics` carries it with `ops`: on hub-api scraping needs an ops token; the broker (no
 * auth guard) and the domain services (whose guard lets `/metrics` through, as `/health`)
 * serve it without a token, for a scraper on their internal network.
 */
export const REQUIRED_ROLES_METADATA = 'accord:required-roles';
export const METRICS_ROLES = ['ops'];

let defaultMetricsCollected = false;

/** Process metrics (CPU, memory, event loop lag, GC) once per process, however many apps it starts. */
export function ensureDefaultMetrics(): void {
  if (defaultMetricsCollected || register.getSingleMetric('process_cpu_user_seconds_total')) {
    defaultMetricsCollected = true;
    return;
  }
  collectDefaultMetrics();
  defaultMetricsCollected = true;
}

/**
 * Gets a metric from the default registry or creates it: a process that starts an app
 * twice (tests, a restart in place) must not register a name twice.
 */
export function getOrCreateMetric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** `GET /metrics`: the default registry in the Prometheus text format. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  @Get()
  @SetMetadata(REQUIRED_ROLES_METADATA, METRICS_ROLES)
  @Header('Cache-Control', 'no-store')
  @ApiProduces(register.contentType)
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @Header('Content-Type', register.contentType)
  async metrics(): Promise<string> {
    return register.metrics();
  }
}

@Module({})
export class MetricsModule implements OnModuleInit {
  static forRoot(): DynamicModule {
    return { module: MetricsModule, controllers: [MetricsController] };
  }

  onModuleInit(): void {
    ensureDefaultMetrics();
  }
}
