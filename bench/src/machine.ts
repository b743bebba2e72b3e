import { cpus, loadavg, release, totalmem } from 'node:os';
import { Client } from 'pg';
import type { Admin } from 'kafkajs';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine shows here. */
  loadAverageAtStart: number[];
  kafka: { brokers: number; controller: string; version: string };
  postgres: { version: string; sharedBuffers: string; synchronousCommit: string; fsync: string; walLevel: string };
}

export async function describeMachine(admin: Admin, maintenanceUrl: string, kafkaVersion: string): Promise<MachineInfo> {
  const cluster = await admin.describeCluster();
  const client = new Client({ connectionString: maintenanceUrl });
  await client.connect();
  const setting = async (name: string) => String((await client.query(`SELECT current_setting($1) AS value`, [name])).rows[0].value);
  try {
    return {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      os: `${process.platform} ${release()}`,
      node: process.version,
      loadAverageAtStart: loadavg().map((value) => Number(value.toFixed(2))),
      kafka: { brokers: cluster.brokers.length, controller: String(cluster.controller), version: kafkaVersion },
      postgres: {
        version: (await setting('server_version')).split(' ')[0]!,
        sharedBuffers: await setting('shared_buffers'),
        synchronousCommit: await setting('synchronous_commit'),
        fsync: await setting('fsync'),
        walLevel: await setting('wal_level'),
      },
    };
  } finally {
    await client.end();
  }
}
