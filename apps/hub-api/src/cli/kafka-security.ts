// The backbone's security set-up, run by infra/kafka/kafka.sh (with tsx, before anything is
// built) and by docker-compose's init step (built, with node):
//
//   kafka-security pki <dir> [--server-dns a,b] [--server-ip x,y]
//       the development CA and an identity for every hub component and reference participant
//   kafka-security acls <brokers> <dir>
//       the hub components' ACLs, created with the operator identity (a super user)
//
// Participants' ACLs are not made here: hub-api grants them when it registers a participant.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { Kafka, logLevel } from 'kafkajs';
import { brokersFrom, grant, HUB_IDENTITIES, hubComponentAcls, kafkaSsl, readKafkaIdentity } from '@accord/kafka';
import { ensureDevelopmentPki } from '@accord/pki';

/** The reference participants (docs/domain.md, "Participants"); `ACCORD_AGREEMENTS_DIR` as for apply-agreements. */
const REFERENCE_PARTICIPANTS = resolve(process.env.ACCORD_AGREEMENTS_DIR ?? resolve(__dirname, '../../../../infra/agreements'), 'participants.yaml');

function option(args: string[], name: string): string[] {
  const index = args.indexOf(name);
  return index >= 0 && args[index + 1] ? args[index + 1]!.split(',').filter(Boolean) : [];
}

async function pki(directory: string, args: string[]): Promise<void> {
  const participants = (parse(readFileSync(REFERENCE_PARTICIPANTS, 'utf8')) as Array<{ id: string }>).map((participant) => participant.id);
  const issued = await ensureDevelopmentPki(directory, {
    identities: [HUB_IDENTITIES.operator, HUB_IDENTITIES.hubApi, HUB_IDENTITIES.sharingBroker, HUB_IDENTITIES.partnerDelivery, ...participants],
    servers: [{ identity: HUB_IDENTITIES.kafkaNode, dns: ['localhost', ...option(args, '--server-dns')], ip: ['127.0.0.1', ...option(args, '--server-ip')] }],
  });
  if (issued.length > 0) process.stdout.write(`[kafka] development PKI in ${directory}: issued ${issued.join(', ')}\n`);
}

async function acls(brokers: string, directory: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'accord-operator-bootstrap',
    brokers: brokersFrom(brokers),
    ssl: kafkaSsl(readKafkaIdentity(directory, HUB_IDENTITIES.operator)),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await grant(admin, hubComponentAcls());
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'pki' && args[0]) return pki(resolve(args[0]), args.slice(1));
  if (command === 'acls' && args[0] && args[1]) return acls(args[0], resolve(args[1]));
  process.stderr.write('usage: kafka-security pki <dir> [--server-dns a,b] [--server-ip x,y] | acls <brokers> <dir>\n');
  process.exit(2);
}

main().catch((error: unknown) => {
  process.stderr.write(`[kafka] security: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
