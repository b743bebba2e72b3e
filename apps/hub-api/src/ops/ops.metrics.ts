import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { getOrCreateMetric } from '@accord/platform';
import type { GroupHealth, GroupStatus } from './topic-health';

const STATUS_VALUE: Record<GroupStatus, number> = { ok: 0, warning: 1, stalled: 2, stopped: 3 };

/**
 * hub-api's topic-health metrics, refreshed with every sample: what kafka-lag-exporter
 * exports (lag in records and seconds per group), plus the consumer group status
 * (docs/contract.md, "Topic health") and DLQ counts, so alerts can use the same numbers
 * as the console.
 */
@Injectable()
export class OpsMetrics {
  private readonly topicRate = getOrCreateMetric(
    'accord_topic_messages_per_second',
    () => new Gauge({ name: 'accord_topic_messages_per_second', help: 'Records appended per second over the topic-health window', labelNames: ['topic'] }),
  );
  private readonly groupLag = getOrCreateMetric(
    'accord_consumer_group_lag',
    () => new Gauge({ name: 'accord_consumer_group_lag', help: 'Records not yet committed by the consumer group, per topic', labelNames: ['group', 'topic'] }),
  );
  private readonly groupLagSeconds = getOrCreateMetric(
    'accord_consumer_group_lag_seconds',
    () =>
      new Gauge({
        name: 'accord_consumer_group_lag_seconds',
        help: 'Estimated age of the oldest record the consumer group has not committed',
        labelNames: ['group'],
      }),
  );
  private readonly groupStatus = getOrCreateMetric(
    'accord_consumer_group_status',
    () =>
      new Gauge({
        name: 'accord_consumer_group_status',
        help: 'Consumer group status over the window: 0 ok, 1 warning, 2 stalled, 3 stopped',
        labelNames: ['group'],
      }),
  );
  private readonly deadLetters = getOrCreateMetric(
    'accord_dlq_records',
    () => new Gauge({ name: 'accord_dlq_records', help: 'Records in accord.dlq held by the hub, by redrive status', labelNames: ['status'] }),
  );
  private readonly redrives = getOrCreateMetric(
    'accord_dlq_redrives_total',
    () => new Counter({ name: 'accord_dlq_redrives_total', help: 'Dead letters re-published to their source topic, or refused', labelNames: ['result'] }),
  );

  recordTopicHealth(topics: Array<{ topic: string; messagesPerSecond: number }>, groups: GroupHealth[]): void {
    this.topicRate.reset();
    for (const { topic, messagesPerSecond } of topics) this.topicRate.set({ topic }, messagesPerSecond);
    this.groupLag.reset();
    this.groupLagSeconds.reset();
    this.groupStatus.reset();
    for (const group of groups) {
      const byTopic = new Map<string, number>();
      for (const partition of group.partitions) byTopic.set(partition.topic, (byTopic.get(partition.topic) ?? 0) + partition.lag);
      for (const [topic, lag] of byTopic) this.groupLag.set({ group: group.groupId, topic }, lag);
      this.groupLagSeconds.set({ group: group.groupId }, group.lagSeconds);
      this.groupStatus.set({ group: group.groupId }, STATUS_VALUE[group.status]);
    }
  }

  recordDeadLetters(counts: { pending: number; redriven: number; exhausted: number }): void {
    for (const [status, count] of Object.entries(counts)) this.deadLetters.set({ status }, count);
  }

  recordRedrives(redriven: number, refused: number): void {
    if (redriven > 0) this.redrives.inc({ result: 'redriven' }, redriven);
    if (refused > 0) this.redrives.inc({ result: 'refused' }, refused);
  }
}
