import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The compiled services (`npm test` builds first): real processes, as they run in production. */
export const SERVICE_MAIN = {
  enricher: path.resolve(__dirname, '../../dist/services/enricher/main.js'),
  'sink-es': path.resolve(__dirname, '../../dist/services/sink-es/main.js'),
  'sink-loki': path.resolve(__dirname, '../../dist/services/sink-loki/main.js'),
  analyzer: path.resolve(__dirname, '../../dist/services/analyzer/main.js'),
} as const;

export type ServiceProcessName = keyof typeof SERVICE_MAIN;

/** Starts service processes and stops every one of them at the end of a test file. */
export class ServiceProcesses {
  private readonly children: ChildProcess[] = [];

  /** `logFile`: every line the process writes, stdout and stderr, goes there (at the env's LOG_LEVEL). */
  start(service: ServiceProcessName, env: NodeJS.ProcessEnv, options: { logFile?: string } = {}): ChildProcess {
    const main = SERVICE_MAIN[service];
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    // LOGPIPE_TEST_SERVICE_LOGS=<dir> keeps each service's log lines (warn and above) for a post-mortem.
    const logDir = process.env.LOGPIPE_TEST_SERVICE_LOGS;
    const logFile = options.logFile ?? (logDir === undefined ? undefined : path.join(logDir, `${service}.log`));
    const out = logFile === undefined ? 'ignore' : fs.openSync(logFile, 'a');
    const stdio: Array<'ignore' | 'inherit' | number> = ['ignore', out, options.logFile === undefined ? 'inherit' : out];
    const child = spawn(process.execPath, [main], { env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: logDir === undefined ? 'error' : 'warn', ...env }, stdio });
    if (typeof out === 'number') fs.closeSync(out);
    this.children.push(child);
    return child;
  }

  /** SIGTERM to every process still running, then their exit codes (a clean shutdown is 0). */
  async stopAll(): Promise<Array<number | null>> {
    const running = this.children.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = running.map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
    for (const c of running) c.kill('SIGTERM');
    return Promise.all(exits);
  }
}
