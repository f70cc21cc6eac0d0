import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AvroCodec } from '../../../lib/codec';
import type { EnrichedRecord } from '../../../services/enricher/enriched-record';
import { runProduce } from '../../../services/producer/produce-command';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

// The real process, compiled (`npm test` builds first), so kill -9 hits the enricher itself.
const main = path.resolve(__dirname, '../../../dist/services/enricher/main.js');
const RECORDS = Number(process.env.LOGPIPE_EOS_RECORDS ?? 200_000);
const BAD = 500;
const KILLS = 5;

describe('enricher exactly-once under kill -9 (real processes, real Kafka)', () => {
  const topics = new KafkaTestTopics();
  afterAll(() => topics.cleanup());

  it(`holds every input exactly once in enriched + dead-letter after ${KILLS} kill -9s while processing ${RECORDS} records`, async () => {
    expect(fs.existsSync(main)).toBe(true);
    const raw = await topics.create('eos-raw', 6);
    const enriched = await topics.create('eos-enriched', 6);
    const dlq = await topics.create('eos-dlq', 1);
    const groupId = uniqueName('eos-enricher');
    await runProduce(['--count', String(RECORDS), '--nodes', '20', '--seed', '11', '--rate', '0', '--topic', raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({ topic: raw, messages: Array.from({ length: BAD }, (_, i) => ({ key: `bad-${i}`, value: Buffer.from(`garbage ${i}`) })) });
    await producer.disconnect();

    const env = {
      ...process.env,
      KAFKA_BROKERS: testEndpoints().kafkaBrokers,
      ENRICHER_GROUP_ID: groupId,
      ENRICHER_INSTANCE_ID: 'eos-1',
      ENRICHER_INPUT_TOPIC: raw,
      ENRICHER_OUTPUT_TOPIC: enriched,
      ENRICHER_DLQ_TOPIC: dlq,
      ENRICHER_SESSION_TIMEOUT_MS: '6000',
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    };
    const startEnricher = (): ChildProcess => spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const committed = (): Promise<number> => topics.committed(groupId, raw);

    const total = RECORDS + BAD;
    const progress: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startEnricher();
      // Kill mid-stream whatever the machine's speed: once this instance has committed past the
      // next sixth of the input, while it is still processing.
      const target = Math.floor((total * (kill + 1)) / (KILLS + 1));
      const deadline = Date.now() + 120_000;
      while ((await committed()) < target && Date.now() < deadline) await sleep(200);
      child.kill('SIGKILL');
      await exited(child);
      progress.push(await committed());
    }
    // Every instance made progress before its kill, and the last kill came before the end.
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1] as number);
    expect(progress[progress.length - 1]).toBeLessThan(total);

    const last = startEnricher();
    const deadline = Date.now() + 240_000;
    while ((await committed()) < total && Date.now() < deadline) await sleep(1_000);
    expect(await committed()).toBe(total);
    last.kill('SIGTERM');
    expect(await exited(last)).toBe(0);

    const codec = new AvroCodec();
    const outputs = await topics.drain(enriched, RECORDS);
    const ids = new Set(outputs.map((m) => codec.decode<EnrichedRecord>(m.value as Buffer).value.log_id));
    expect(outputs).toHaveLength(RECORDS);
    expect(ids.size).toBe(RECORDS);
    // Read until idle: a duplicate or a record of an aborted transaction would show up as extra.
    const dead = await topics.drain(dlq, BAD);
    expect(dead).toHaveLength(BAD);
    expect(new Set(dead.map((m) => m.key?.toString())).size).toBe(BAD);
    process.stderr.write(`exactly-once: committed after each kill ${progress.join(', ')} of ${total}\n`);
  }, 900_000);
});
