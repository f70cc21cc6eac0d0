import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { jarVersion } from '../../stack/kafka-tools';

/** Where and with what a run happened; written next to every result. */
export interface Environment {
  readonly date: string;
  readonly command: string;
  readonly machine: {
    readonly nproc: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly os: string;
  };
  readonly node: string;
  readonly java: string;
  /** Broker version from the local stack's jars, kafka-tools' version, kafkajs' version. */
  readonly kafka: { readonly broker: string; readonly tools: string; readonly kafkajs: string };
  /** 1-minute load average at start and end: another process competing for the 2 cores shows here. */
  readonly loadAverage: { readonly start: number; end: number };
}

export function describeEnvironment(command: string, java: string, toolsLibDir: string): Environment {
  const versionOutput = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const javaVersion = (versionOutput.stderr ?? '').split('\n')[0]?.trim() || 'unknown';
  const brokerLib = path.join(stackConfigFromEnv().cacheDir, 'kafka', 'lib');
  return {
    date: new Date().toISOString(),
    command,
    machine: {
      nproc: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    node: process.version,
    java: javaVersion,
    kafka: {
      broker: jarVersion(brokerLib, 'kafka_2.13') ?? 'unknown (not the local stack)',
      tools: jarVersion(toolsLibDir, 'kafka-tools') ?? 'unknown',
      kafkajs: kafkajsVersion(),
    },
    loadAverage: { start: round2(os.loadavg()[0] ?? 0), end: Number.NaN },
  };
}

/** A copy of the run's environment for one scenario: its own date and load average. */
export function scenarioEnvironment(run: Environment): Environment {
  return { ...run, date: new Date().toISOString(), loadAverage: { start: round2(os.loadavg()[0] ?? 0), end: Number.NaN } };
}

export function finishEnvironment(environment: Environment): void {
  environment.loadAverage.end = round2(os.loadavg()[0] ?? 0);
}

function kafkajsVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(require.resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
