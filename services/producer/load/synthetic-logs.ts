import type { LogCall, RecordOrigin } from '../build-log-record';
import { SeededRandom } from './seeded-random';

export interface SyntheticLogOptions {
  readonly seed: number;
  readonly nodes: number;
  /** Fractions of all records, e.g. 0.05 and 0.15; the rest is INFO with a little DEBUG. */
  readonly errorRatio: number;
  readonly warningRatio: number;
  readonly service: string;
  readonly version: string;
}

export interface SyntheticEntry {
  readonly origin: RecordOrigin;
  readonly call: LogCall;
}

type Template = (r: SeededRandom) => string;

/** Messages shaped like the storage platform's, with the values enrichment and alerting parse. */
const INFO: ReadonlyArray<[string, Template]> = [
  ['storage', (r) => `file read ok: /data/bucket-${r.int(1, 40)}/obj-${r.int(1, 99_999)}`],
  ['storage', () => 'upload complete'],
  ['api', (r) => `request served latency: ${r.int(5, 120)}ms, response_time: ${r.int(10, 200)}ms, throughput: ${r.int(200, 5000)} ops/sec`],
  ['network', (r) => `replication to node-${r.int(0, 9)} finished in ${r.int(1, 900)}ms`],
  ['database', (r) => `query ok latency: ${r.int(1, 60)}ms`],
  ['system', (r) => `heartbeat ok, uptime ${r.int(1, 10_000)}s`],
];
const WARNING: ReadonlyArray<[string, Template]> = [
  ['storage', (r) => `disk usage over 85% on /dev/sd${r.pick(['a', 'b', 'c'])} (${r.int(86, 99)}%)`],
  ['memory', (r) => `high memory usage: ${r.int(86, 98)}%`],
  ['api', (r) => `high latency detected latency: ${r.int(500, 3000)}ms`],
  ['database', (r) => `slow query took ${r.int(1000, 9000)}ms`],
];
const ERROR: ReadonlyArray<[string, Template]> = [
  ['database', (r) => `database connection timeout after ${r.int(5, 60)}s`],
  ['network', (r) => `network connection refused by 10.0.${r.int(0, 9)}.${r.int(1, 254)}:9000`],
  ['memory', (r) => `out of memory while allocating ${r.int(16, 512)}MB`],
  ['storage', (r) => `disk full on volume vol-${r.int(1, 12)}`],
  ['api', () => 'exception in request handler: NullPointerException'],
];
/** Public addresses inside MaxMind's GeoIP test databases, and private ones. */
const CLIENT_IPS = ['81.2.69.142', '2.125.160.216', '89.160.20.128', '175.16.199.0', '216.160.83.56', '2001:218::', '10.0.4.17', '192.168.1.20'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'aws-cli/2.15.0 Python/3.11.6 Linux/6.1 botocore/2.0',
];

/** An endless, deterministic stream of realistic entries over `nodes` nodes. */
export class SyntheticLogs {
  private readonly random: SeededRandom;

  constructor(private readonly options: SyntheticLogOptions) {
    this.random = new SeededRandom(options.seed);
  }

  next(): SyntheticEntry {
    const r = this.random;
    const roll = r.next();
    const { errorRatio, warningRatio } = this.options;
    let level: string;
    let table: ReadonlyArray<[string, Template]>;
    if (roll < errorRatio) {
      level = r.next() < 0.1 ? 'CRITICAL' : 'ERROR';
      table = ERROR;
    } else if (roll < errorRatio + warningRatio) {
      level = 'WARNING';
      table = WARNING;
    } else {
      level = r.next() < 0.05 ? 'DEBUG' : 'INFO';
      table = INFO;
    }
    const [component, message] = r.pick(table);
    return {
      origin: { service: this.options.service, version: this.options.version, nodeId: `node-${r.int(1, this.options.nodes)}` },
      call: { level, message: message(r), component, context: this.context(r), logId: r.uuid(), traceId: r.uuid().replace(/-/g, '') },
    };
  }

  private context(r: SeededRandom): Record<string, unknown> {
    const sizeClass = r.next();
    const sizeBytes = sizeClass < 0.7 ? r.int(100, 1_048_575) : sizeClass < 0.95 ? r.int(1_048_576, 104_857_599) : r.int(104_857_600, 10_000_000_000);
    return {
      size_bytes: r.next() < 0.9 ? sizeBytes : String(sizeBytes),
      client_ip: r.pick(CLIENT_IPS),
      user_agent: r.pick(USER_AGENTS),
      usage_percent: Math.round(r.next() * 1000) / 10,
      cpu_usage: r.next() < 0.8 ? Math.round(r.next() * 1000) / 10 : (Math.round(r.next() * 1000) / 10).toFixed(1),
      memory_usage: Math.round(r.next() * 1000) / 10,
      request_id: `req-${r.int(1, 1_000_000)}`,
    };
  }
}
