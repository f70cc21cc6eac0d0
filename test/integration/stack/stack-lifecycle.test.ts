import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processesWithMarker } from '../../../stack/managed-process';

// Drives the real `stack` CLI on a second run directory and other ports, so the shared
// stack of this test run keeps serving the other suites.
const repoRoot = path.resolve(__dirname, '../../..');
const tsxCli = path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function stackCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tsxCli, path.join(repoRoot, 'stack', 'cli.ts'), ...args], { env, cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run stack -- up | status | down', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logpipe-stack-'));
  fs.chmodSync(dir, 0o755); // Elasticsearch runs as an unprivileged user who must reach its directories.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOGPIPE_STACK_DIR: dir,
    LOGPIPE_STACK_KAFKA_PORT: '29092',
    LOGPIPE_STACK_KAFKA_CONTROLLER_PORT: '29093',
    LOGPIPE_STACK_KAFKA_SASL_SSL_PORT: '29094',
    LOGPIPE_STACK_ES_PORT: '29200',
    LOGPIPE_STACK_ES_TRANSPORT_PORT: '29300',
    LOGPIPE_STACK_LOKI_PORT: '23100',
    LOGPIPE_STACK_LOKI_GRPC_PORT: '29096',
  };
  const runDir = path.join(dir, 'run');

  afterAll(async () => {
    await stackCli(['down'], env);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts all three servers, is harmless when run twice, and leaves no process after down', async () => {
    const first = await stackCli(['up'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('kafka          127.0.0.1:29092');
    const pidsAfterFirst = processesWithMarker(runDir).sort();
    expect(pidsAfterFirst.length).toBeGreaterThanOrEqual(3);

    const second = await stackCli(['up'], env);
    expect(second.code).toBe(0);
    expect(processesWithMarker(runDir).sort()).toEqual(pidsAfterFirst);

    const status = await stackCli(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout.match(/ healthy /g)).toHaveLength(3);

    const down = await stackCli(['down'], env);
    expect(down.code).toBe(0);
    expect(processesWithMarker(runDir)).toEqual([]);

    const after = await stackCli(['status'], env);
    expect(after.code).toBe(1);
    expect(after.stdout.match(/ stopped /g)).toHaveLength(3);
  }, 300_000);

  it('refuses a taken port with one sentence naming the port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(29092, '127.0.0.1', resolve));
    try {
      const result = await stackCli(['up', 'kafka'], env);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^Port 29092 on 127\.0\.0\.1 is already in use, so kafka cannot start;/);
      expect(result.stderr).not.toMatch(/\bat .+\.ts:\d+/); // no stack trace
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('says which tool is missing when java is not installed', async () => {
    const noJava: NodeJS.ProcessEnv = { ...env, PATH: fs.mkdtempSync(path.join(os.tmpdir(), 'empty-path-')) };
    delete noJava.JAVA_HOME;
    const result = await stackCli(['up', 'kafka'], noJava);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("'java' was not found on PATH; Kafka and Elasticsearch need a Java 17+ runtime (install openjdk-17-jdk-headless).");
    expect(processesWithMarker(runDir)).toEqual([]);
  });

  it('rejects an unknown server name', async () => {
    const result = await stackCli(['up', 'zookeeper'], env);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe("Unknown server 'zookeeper'; expected one of kafka, elasticsearch, loki.");
  });
});
