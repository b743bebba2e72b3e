import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { eventsTopic } from '@accord/contracts';
import { EVENT_CATALOG } from '@accord/governance';
import { consentStatementsFor } from '@accord/persistence';
import { AccordError } from '@accord/platform';
import { HubApiEnvironment } from '../environment';
import { HUB_KAFKA } from '../hub-kafka';
import { readSubmittedAgreement } from './agreement-document';
import { AgreementsService } from './agreements.service';
import { DEFAULT_SIMULATION_EVENTS, type SimulateRequest, type SimulatedDecisionView, type SimulationView } from './dto/simulate.dto';
import { compareDecisions, inspectSuppliedEvent, inspectTopicRecord, protectedCount, rejectedDecision, summarise, type InspectedEvent } from './simulation';
import { readRecentRecords, type TopicWindow } from './topic-window';

/** How long a simulation may spend reading a topic window before answering with what it has. */
const WINDOW_TIMEOUT_MS = 20_000;

/**
 * `POST /v1/agreements/simulate`: the decisions a proposed agreement would make, next to
 * those of the current latest version, for recent or supplied events and today's consent
 * registry. Read-only: nothing is stored, released or produced.
 */
@Injectable()
export class SimulationService {
  private readonly logger = new Logger(SimulationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly agreements: AgreementsService,
    private readonly environment: HubApiEnvironment,
    @Inject(HUB_KAFKA) private readonly kafka: Kafka,
  ) {}

  async simulate(request: SimulateRequest): Promise<SimulationView> {
    const submission =
      typeof request.agreement === 'string'
        ? ({ format: 'yaml', text: request.agreement } as const)
        : ({ format: 'json', document: request.agreement } as const);
    const document = readSubmittedAgreement(submission, await this.agreements.validationContext());
    const current = await this.agreements.latestAgreement(document.id);
    const proposed = { ...document, version: (current?.version ?? 0) + 1 };
    const now = new Date();

    let inspected: InspectedEvent[];
    let window: Pick<SimulationView, 'window' | 'topic' | 'complete'>;
    if (request.events) {
      inspected = request.events.map((event) => inspectSuppliedEvent(event, proposed.provider, now));
      window = { window: 'supplied' };
    } else {
      const topic = eventsTopic(proposed.provider);
      const read = await this.readWindow(topic, request.window?.maxEvents ?? DEFAULT_SIMULATION_EVENTS);
      inspected = read.messages.map((message) => inspectTopicRecord(message, proposed.provider));
      window = { window: 'topic', topic, complete: read.complete };
    }

    const accepted = inspected.filter((item): item is Extract<InspectedEvent, { kind: 'accepted' }> => item.kind === 'accepted');
    const statements = await consentStatementsFor(
      this.dataSource.manager,
      accepted.map((item) => item.subject),
      this.environment.ACCORD_SUBJECT_KEY_SECRET,
    );
    const consentsOf = new Map(accepted.map((item, index) => [item, statements[index]!]));

    const decisions: SimulatedDecisionView[] = inspected.flatMap((item) =>
      item.kind === 'rejected'
        ? [rejectedDecision(item)]
        : compareDecisions({ event: item.event, proposed, current, consents: consentsOf.get(item)!, now, catalog: EVENT_CATALOG }),
    );
    if (window.window === 'supplied') {
      // The caller's own events: each one's outcome, and the same in aggregate.
      return {
        agreementId: proposed.id,
        currentVersion: current?.version ?? null,
        proposedVersion: proposed.version,
        ...window,
        evaluated: inspected.length,
        rejected: inspected.length - accepted.length,
        changed: decisions.filter((decision) => decision.changed).length,
        summary: summarise(decisions, (count) => count),
        decisions,
      };
    }
    // Recorded traffic: aggregates only, small counts withheld and the rest rounded, so no
    // proposed condition can be used to read one person's data (protectedCount).
    return {
      agreementId: proposed.id,
      currentVersion: current?.version ?? null,
      proposedVersion: proposed.version,
      ...window,
      evaluated: protectedCount(inspected.length),
      rejected: protectedCount(inspected.length - accepted.length),
      changed: protectedCount(decisions.filter((decision) => decision.changed).length),
      summary: summarise(decisions, protectedCount),
      decisions: [],
    };
  }

  private async readWindow(topic: string, maxEvents: number): Promise<TopicWindow> {
    try {
      return await readRecentRecords(this.kafka, topic, maxEvents, WINDOW_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn({ topic, problem: (error as Error).message }, 'simulation could not read the events topic');
      throw new AccordError('simulation-window-unavailable', "The provider's events topic could not be read; try again, or supply events", HttpStatus.SERVICE_UNAVAILABLE);
    }
  }
}
