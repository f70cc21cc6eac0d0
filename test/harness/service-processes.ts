import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The compiled services (`npm test` builds first): real processes, as they run in production. */
export const SERVICE_MAIN = {
  enricher: path.resolve(__dirname, '../../dist/services/enricher/main.js'),
  'sink-es': path.resolve(__dirname, '../../dist/services/sink-es/main.js'),
  'sink-loki': path.resolve(__dirname, '../../dist/services/sink-loki/main.js'),
  analyzer: path.resolve(__dirname, '../../dist/services/analyzer/main.js'),
} as const;

export type ServiceProcessName = keyof typeof SERVICE_MAIN;

/** Lines of a log shown when its process exits on its own with an error. */
const TAIL_LINES = 40;

/**
 * Where service logs go when the run names no directory: one per test process, so that a
 * service that dies in CI leaves its reason behind (printed with the exit, see `start`).
 */
function serviceLogDir(): string {
  const named = process.env.LOGPIPE_TEST_SERVICE_LOGS;
  if (named !== undefined && named !== '') return named;
  const dir = path.join(os.tmpdir(), `logpipe-service-logs-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function tailOf(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (err) {
    return `(log unreadable: ${(err as Error).message})`;
  }
}

/** Starts service processes and stops every one of them at the end of a test file. */
export class ServiceProcesses {
  private readonly children: ChildProcess[] = [];
  private started = 0;
  /** The log of each child whose exit is reported (those given no `logFile` of the test's own). */
  private readonly logs = new Map<ChildProcess, { service: ServiceProcessName; file: string }>();

  /**
   * Every line the process writes, stdout and stderr, goes to a log file (`logFile`, or one of
   * its own in LOGPIPE_TEST_SERVICE_LOGS or a temporary directory, at level warn unless the env
   * says otherwise). A process that exits on its own with a non-zero code before `stopAll`
   * gets its code and the end of that log printed, and so does one that `stopAll` cannot stop
   * cleanly: the test that then fails says why.
   */
  start(service: ServiceProcessName, env: NodeJS.ProcessEnv, options: { logFile?: string } = {}): ChildProcess {
    const main = SERVICE_MAIN[service];
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const logFile = options.logFile ?? path.join(serviceLogDir(), `${service}-${++this.started}-${Date.now()}.log`);
    const out = fs.openSync(logFile, 'a');
    const child = spawn(process.execPath, [main], { env: { ...process.env, HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    if (options.logFile === undefined) {
      this.logs.set(child, { service, file: logFile });
      child.once('exit', (code) => {
        if (code !== null && code !== 0 && this.children.includes(child)) this.report(child, `exited with code ${code} before the test stopped it`);
      });
    }
    this.children.push(child);
    return child;
  }

  /** SIGTERM to every process still running, then their exit codes (a clean shutdown is 0). */
  async stopAll(): Promise<Array<number | null>> {
    const running = this.children.splice(0).filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = running.map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
    for (const c of running) c.kill('SIGTERM');
    const codes = await Promise.all(exits);
    running.forEach((c, i) => {
      if (codes[i] !== 0) this.report(c, `exited with ${codes[i] === null ? `signal ${c.signalCode}` : `code ${codes[i]}`} on SIGTERM`);
    });
    this.logs.clear();
    return codes;
  }

  private report(child: ChildProcess, what: string): void {
    const log = this.logs.get(child);
    if (log === undefined) return;
    process.stderr.write(`service ${log.service} (pid ${child.pid}) ${what}; the end of ${log.file}:\n${tailOf(log.file, TAIL_LINES)}\n`);
  }
}
