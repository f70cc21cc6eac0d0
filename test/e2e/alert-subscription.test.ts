import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import type { AnalyzerService } from '../../services/analyzer/analyzer-service';
import { KafkaTestTopics } from '../harness/kafka-test-topics';
import { testEndpoints } from '../harness/test-endpoints';
import { analyzerConfig, analyzerTopics, burstStream, decodeAlert, internalTopicNames, produceEnriched, startAnalyzer } from '../integration/analyzer/analyzer-run';

const schemaFile = path.resolve(__dirname, '../../schemas/alert-event.avsc');

/** CRC-64-AVRO as the Avro specification writes it, independent of logpipe's codec. */
function specFingerprint(canonical: string): Buffer {
  const EMPTY = 0xc15d213aa4d7a795n;
  const table = Array.from({ length: 256 }, (_, i) => {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    return fp;
  });
  let fp = EMPTY;
  for (const byte of Buffer.from(canonical, 'utf8')) fp = (fp >> 8n) ^ (table[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt.asUintN(64, fp));
  return out;
}

/** kcat's `%k\t%S\t%s\n` records: key, value length, raw value bytes. */
function parseKcat(stdout: Buffer): Array<{ key: string; value: Buffer }> {
  const records: Array<{ key: string; value: Buffer }> = [];
  let at = 0;
  while (at < stdout.length) {
    const tab1 = stdout.indexOf(9, at);
    const tab2 = stdout.indexOf(9, tab1 + 1);
    const length = Number(stdout.subarray(tab1 + 1, tab2).toString());
    records.push({ key: stdout.subarray(at, tab1).toString(), value: stdout.subarray(tab2 + 1, tab2 + 1 + length) });
    at = tab2 + 1 + length + 1; // the newline after each record
  }
  return records;
}

describe('subscribing to the alerts with a Kafka client that is not ours (kcat)', () => {
  const topics = new KafkaTestTopics();
  const kafka = new Kafka({ clientId: 'subscribe-test', brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  let analyzer: AnalyzerService | undefined;
  const internal: string[] = [];
  afterAll(async () => {
    await analyzer?.stop();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: internal }).catch(() => undefined);
    await admin.disconnect();
    await topics.cleanup();
  });

  it('receives every alert event, and the bytes decode with the published schema file alone', async () => {
    const kcat = spawnSync('kcat', ['-V']);
    expect({ kcat: kcat.error === undefined ? 'found' : 'missing: run scripts/install-prerequisites.sh' }).toEqual({ kcat: 'found' });
    const t = await analyzerTopics(topics);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await produceEnriched(producer, t.input, burstStream());
    await producer.disconnect();
    const config = analyzerConfig(t);
    internal.push(...internalTopicNames(config));
    analyzer = startAnalyzer(config);
    const ours = (await topics.drain(t.alerts, 6, 5_000)).map((m) => decodeAlert(m.value));
    expect(ours).toHaveLength(6);

    const stdout = execFileSync('kcat', ['-C', '-b', testEndpoints().kafkaBrokers, '-t', t.alerts, '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed', '-f', '%k\t%S\t%s\n'], { maxBuffer: 16 * 1024 * 1024 });
    const received = parseKcat(stdout);
    expect(received).toHaveLength(6);

    // Parsing Canonical Form (avsc's canonical schema), fingerprinted with the specification's CRC-64-AVRO.
    const type = avro.Type.forSchema(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as avro.Schema);
    const fingerprint = specFingerprint(JSON.stringify(type.schema()));
    const decoded = received.map(({ key, value }) => {
      expect(value.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
      expect(value.subarray(2, 10)).toEqual(fingerprint);
      const alert = type.fromBuffer(value.subarray(10)) as { alert_id: string; status: string; rule_id: string };
      expect(key).toBe(alert.alert_id);
      return `${alert.rule_id}|${alert.alert_id}|${alert.status}`;
    });
    expect(decoded.sort()).toEqual(ours.map((a) => `${a.rule_id}|${a.alert_id}|${a.status}`).sort());
  });
});
