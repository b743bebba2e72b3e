import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { createChainVerifier } from '@accord/audit-chain';
import { decisionFromValues } from '@accord/persistence';

const V = `json_build_array(seq, decision_id, event_id, event_type, source, recipient, agreement_id,
  agreement_version, purpose, lawful_basis, outcome, reasons, fields_released, fields_withheld, consent_refs, subject_key,
  payload_digest, topic, kafka_partition, kafka_offset,
  to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), prev_hash, hash)::text AS v`;
(async () => {
  const ds = new DataSource({ type: 'postgres', url: 'postgres://postgres@127.0.0.1:5432/accord_bench_audit_10000000', extra: { options: '-c search_path=accord' } });
  await ds.initialize();
  const from = 2_000_000, n = Number(process.env.N ?? 300_000), chunk = Number(process.env.CHUNK ?? 2000);
  const [row] = await ds.query('SELECT hash FROM decisions WHERE seq = $1', [from]);
  const t = Date.now();
  const verifier = createChainVerifier({ startAfter: { seq: from, hash: row.hash } });
  const depth = Number(process.env.DEPTH ?? 2);
  const read = (lo: number): Promise<{ v: string }[]> => ds.query(`SELECT ${V} FROM decisions WHERE seq > $1 AND seq <= $2 ORDER BY seq`, [lo, Math.min(lo + chunk, from + n)]);
  const queue: Promise<{ v: string }[]>[] = [];
  let nextLo = from;
  const fill = () => { while (queue.length < depth && nextLo < from + n) { queue.push(read(nextLo)); nextLo += chunk; } };
  fill();
  while (queue.length > 0) {
    const rows = await queue.shift()!;
    fill();
    for (const r of rows) if (!verifier.push(decisionFromValues(JSON.parse(r.v)))) throw new Error('broken');
  }
  console.log('lazy parse', verifier.result().checked, Math.round(n / ((Date.now() - t) / 1000)), 'rows/s');
  await ds.destroy();
})();
