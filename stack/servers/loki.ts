import fs from 'node:fs';
import path from 'node:path';
import { requireCommand, run } from '../commands';
import { httpGet } from '../http-probe';
import { ManagedProcess } from '../managed-process';
import type { StackConfig } from '../stack-config';
import { stackSourceDir } from '../stack-config';
import type { LocalServer } from './local-server';

/**
 * Grafana Loki, single binary, built from its Go module by stack/loki/go.mod.
 * Loki is AGPL-3.0: it is built unmodified and runs as its own process; no Loki code is in this repository.
 */
export class LokiServer implements LocalServer {
  readonly name = 'loki';
  readonly ports: readonly number[];
  readonly endpoint: string;
  readonly process: ManagedProcess;
  readonly logFile: string;
  readonly startTimeoutMs = 60_000;
  /** Per-tenant limit overrides Loki re-reads every second (the chaos tests throttle ingestion with it). */
  readonly runtimeConfigFile: string;
  private readonly binary: string;
  private readonly runDir: string;

  constructor(private readonly config: StackConfig) {
    this.ports = [config.lokiPort, config.lokiGrpcPort];
    this.endpoint = `http://127.0.0.1:${config.lokiPort}`;
    this.binary = path.join(config.cacheDir, 'loki', 'loki');
    this.runDir = path.join(config.runDir, 'loki');
    this.logFile = path.join(this.runDir, 'logs', 'process.log');
    this.runtimeConfigFile = path.join(this.runDir, 'runtime.yaml');
    this.process = new ManagedProcess(this.name, path.join(this.runDir, 'loki.pid'), this.runDir);
  }

  async install(): Promise<void> {
    if (fs.existsSync(this.binary)) return;
    requireCommand('go', 'build Grafana Loki from its Go module');
    const tmp = `${this.binary}.partial`;
    fs.mkdirSync(path.dirname(this.binary), { recursive: true });
    await run('go', ['build', '-tags', 'netgo', '-o', tmp, 'github.com/grafana/loki/v3/cmd/loki'], {
      cwd: path.join(stackSourceDir, 'loki'),
      // GOTOOLCHAIN=local: never fetch another Go; go.mod's `go` line must fit the installed one.
      env: { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' },
      what: 'build Grafana Loki with go build (the first build downloads about 1 GB of modules)',
    });
    fs.renameSync(tmp, this.binary);
  }

  async start(): Promise<void> {
    const configFile = path.join(this.runDir, 'loki.yaml');
    fs.mkdirSync(path.join(this.runDir, 'data'), { recursive: true });
    fs.writeFileSync(configFile, this.configYaml(path.join(this.runDir, 'data')));
    fs.writeFileSync(this.runtimeConfigFile, 'overrides: {}\n');
    await this.process.start(this.binary, [`-config.file=${configFile}`], { cwd: this.runDir, env: process.env, logFile: this.logFile });
  }

  async isHealthy(): Promise<boolean> {
    const res = await httpGet(`${this.endpoint}/ready`);
    return res?.status === 200;
  }

  private configYaml(dataDir: string): string {
    const { lokiPort, lokiGrpcPort } = this.config;
    return `# Written by stack/servers/loki.ts on every start; edit that file instead.
auth_enabled: false
server:
  http_listen_address: 127.0.0.1
  http_listen_port: ${lokiPort}
  grpc_listen_address: 127.0.0.1
  grpc_listen_port: ${lokiGrpcPort}
  log_level: warn
common:
  instance_addr: 127.0.0.1
  path_prefix: ${dataDir}
  replication_factor: 1
  storage:
    filesystem:
      chunks_directory: ${dataDir}/chunks
      rules_directory: ${dataDir}/rules
  ring:
    kvstore:
      store: inmemory
memberlist:
  join_members: []
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
ingester:
  lifecycler:
    # Otherwise /ready waits 15 s after start.
    min_ready_duration: 0s
limits_config:
  allow_structured_metadata: true
  # Raised above Loki's defaults (4 MB/s, 3 MB/s per stream) so tests and benchmarks are not rate limited;
  # the chaos tests lower them for a while through the runtime config file.
  ingestion_rate_mb: 64
  ingestion_burst_size_mb: 128
  per_stream_rate_limit: 32MB
  per_stream_rate_limit_burst: 64MB
  # Replays and tests push records with old event times.
  reject_old_samples: false
  # Every test run adds streams (unique labels). Above the stream limit Loki 3.7 refuses pushes with
  # 429 and, when the refused stream is not the last of a push, drops entries while answering 204:
  # no limit on this test server. In production alert on loki_discarded_samples_total{reason="stream_limit"}.
  max_global_streams_per_user: 0
  max_streams_per_user: 0
runtime_config:
  file: ${this.runtimeConfigFile}
  period: 1s
pattern_ingester:
  enabled: false
query_range:
  results_cache:
    cache:
      embedded_cache:
        enabled: true
        max_size_mb: 64
analytics:
  reporting_enabled: false
`;
  }
}
