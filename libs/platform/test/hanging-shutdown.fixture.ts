// A stand-in for an app whose shutdown hooks never finish (Kafka down while consumers leave their groups).
import { runMain } from '../src/bootstrap';

runMain(
  'fixture',
  async () => {
    // As Nest's enableShutdownHooks does: take over the signal, then wait on a close that never ends.
    process.on('SIGTERM', () => void new Promise(() => undefined));
    setInterval(() => undefined, 1000);
    process.stdout.write('ready\n');
  },
  Number(process.env.SHUTDOWN_TIMEOUT_MS),
);
