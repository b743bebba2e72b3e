// Child-process entry of the passthrough baseline, so that it runs in its own process
// like the broker (own event loop, own RSS) and the harness process only publishes and measures.
import { progress } from './progress';
import { benchKafka } from './kafka';
import { startPassthrough } from './passthrough';
import type { BatchSettings } from './batch-settings';

async function main(): Promise<void> {
  const required = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} must be set`);
    return value;
  };
  const settings = JSON.parse(required('PASSTHROUGH_SETTINGS')) as BatchSettings;
  const kafka = benchKafka(required('KAFKA_BROKERS').split(','), 'accord-bench-passthrough', { stockRecordCodec: true });
  const running = await startPassthrough({
    kafka,
    groupId: required('PASSTHROUGH_GROUP_ID'),
    sourceTopics: required('PASSTHROUGH_SOURCE_TOPICS').split(','),
    outputTopic: required('PASSTHROUGH_OUTPUT_TOPIC'),
    settings,
  });
  progress('passthrough: consuming');
  const stop = () => {
    void running.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`passthrough failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
