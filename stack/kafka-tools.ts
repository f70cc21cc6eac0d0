import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { requireCommand, run } from './commands';
import { findJavaHome } from './java-home';
import { stackConfigFromEnv, stackSourceDir } from './stack-config';

/**
 * Kafka's own perf tools (org.apache.kafka:kafka-tools, see stack/kafka-tools/pom.xml),
 * copied by Maven into .stack/cache/kafka-tools/lib once; `.complete` marks a finished copy.
 */
export async function installKafkaTools(log: (line: string) => void): Promise<string> {
  const libDir = path.join(stackConfigFromEnv().cacheDir, 'kafka-tools', 'lib');
  const done = path.join(libDir, '.complete');
  if (fs.existsSync(done)) return libDir;
  requireCommand('mvn', "download Kafka's perf tools (kafka-tools) from Maven Central");
  log(`Installing Kafka's perf tools into ${libDir} (mvn, once)...`);
  fs.rmSync(libDir, { recursive: true, force: true });
  await run(
    'mvn',
    ['-B', '-q', '-f', path.join(stackSourceDir, 'kafka-tools', 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${libDir}`],
    { what: "download Kafka's perf tools from Maven Central with mvn" },
  );
  fs.writeFileSync(done, new Date().toISOString());
  return libDir;
}

export function javaExecutable(): string {
  return path.join(findJavaHome(17), 'bin', 'java');
}

/** Version of a Maven artifact from its jar's name in `libDir` (e.g. kafka-clients-4.1.1.jar). */
export function jarVersion(libDir: string, artifact: string): string | undefined {
  if (!fs.existsSync(libDir)) return undefined;
  const pattern = new RegExp(`^${artifact.replace(/[.]/g, '\\.')}-(\\d[^/]*)\\.jar$`);
  for (const file of fs.readdirSync(libDir)) {
    const match = pattern.exec(file);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

export interface ProducerPerformanceOptions {
  readonly libDir: string;
  readonly topic: string;
  readonly records: number;
  readonly recordSize: number;
  readonly brokers: readonly string[];
  readonly timeoutMs: number;
}

export interface ProducerPerformanceResult {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly mbPerSecond: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly p50LatencyMs: number;
  readonly p99LatencyMs: number;
  /** The summary line, verbatim. */
  readonly line: string;
}

/** The arguments after `java`, as the brief and docs/BENCHMARKS.md state them. */
export function producerPerformanceArgs(o: Omit<ProducerPerformanceOptions, 'timeoutMs'>): string[] {
  return [
    '-cp',
    `${o.libDir}/*`,
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    o.topic,
    '--num-records',
    String(o.records),
    '--record-size',
    String(o.recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${o.brokers.join(',')}`,
    'acks=all',
    'enable.idempotence=true',
  ];
}

/**
 * Final line of ProducerPerformance, e.g.
 * `200000 records sent, 43975.4 records/sec (12.58 MB/sec), 1043.62 ms avg latency, 1531.00 ms max latency, 1197 ms 50th, 1460 ms 95th, 1488 ms 99th, 1529 ms 99.9th.`
 * (the periodic progress lines lack the percentiles).
 */
const SUMMARY =
  /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99\.9th\.$/;

export function parseProducerPerformance(output: string): ProducerPerformanceResult | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const m = SUMMARY.exec(line);
    if (m === null) continue;
    return {
      records: Number(m[1]),
      recordsPerSecond: Number(m[2]),
      mbPerSecond: Number(m[3]),
      avgLatencyMs: Number(m[4]),
      maxLatencyMs: Number(m[5]),
      p50LatencyMs: Number(m[6]),
      p99LatencyMs: Number(m[8]),
      line,
    };
  }
  return undefined;
}

export function runProducerPerformance(java: string, options: ProducerPerformanceOptions): Promise<ProducerPerformanceResult> {
  return runJavaTool(java, producerPerformanceArgs(options), options.timeoutMs, 'ProducerPerformance', parseProducerPerformance);
}

export interface ConsumerPerformanceResult {
  readonly records: number;
  /** Records / (end - start): the consumer's join and first fetch included. */
  readonly recordsPerSecond: number;
  /** Records / fetch time: after the group's rebalance. */
  readonly fetchRecordsPerSecond: number;
  readonly rebalanceMs: number;
  /** The result line, verbatim. */
  readonly line: string;
}

/** The arguments after `java` for ConsumerPerformance reading `records` from the beginning with a fresh group. */
export function consumerPerformanceArgs(o: { libDir: string; topic: string; records: number; brokers: readonly string[]; group: string }): string[] {
  return ['-cp', `${o.libDir}/*`, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', o.brokers.join(','), '--topic', o.topic, '--messages', String(o.records), '--group', o.group, '--timeout', '60000'];
}

/**
 * ConsumerPerformance prints a header and one CSV line:
 * `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec`.
 */
export function parseConsumerPerformance(output: string): ConsumerPerformanceResult | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  const header = lines.findIndex((l) => l.startsWith('start.time, end.time'));
  const line = header >= 0 ? lines[header + 1] : undefined;
  if (line === undefined) return undefined;
  const f = line.split(',').map((x) => x.trim());
  if (f.length < 10) return undefined;
  return { records: Number(f[4]), recordsPerSecond: Number(f[5]), rebalanceMs: Number(f[6]), fetchRecordsPerSecond: Number(f[9]), line };
}

export function runConsumerPerformance(java: string, options: Parameters<typeof consumerPerformanceArgs>[0] & { timeoutMs: number }): Promise<ConsumerPerformanceResult> {
  return runJavaTool(java, consumerPerformanceArgs(options), options.timeoutMs, 'ConsumerPerformance', parseConsumerPerformance);
}

/** Runs a Kafka tool in its own JVM and parses its output; the last lines of output explain a failure. */
function runJavaTool<T>(java: string, args: readonly string[], timeoutMs: number, name: string, parse: (output: string) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(java, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-32_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Could not start ${name}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = parse(output);
      if (code === 0 && result !== undefined) resolve(result);
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`${name} ${signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${signal ?? code}`}${result === undefined ? ' without a result line' : ''}:\n${tail}`));
      }
    });
  });
}
