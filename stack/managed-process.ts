import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A server process started detached in its own process group, tracked by a pid file.
 * Stopping signals the whole group, so helpers a server forks (Elasticsearch's
 * launcher starts the server JVM as a child) never outlive it.
 */
export class ManagedProcess {
  constructor(
    readonly name: string,
    private readonly pidFile: string,
    /** A string every process of this server has in its command line (its run directory). */
    private readonly marker: string,
  ) {}

  pid(): number | undefined {
    let raw: string;
    try {
      raw = fs.readFileSync(this.pidFile, 'utf8').trim();
    } catch {
      return undefined;
    }
    const pid = Number(raw);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** True when the recorded process is alive and is ours (pid reuse is ruled out by the marker). */
  isRunning(): boolean {
    const pid = this.pid();
    if (pid === undefined) return false;
    return commandLine(pid)?.includes(this.marker) ?? false;
  }

  start(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): number {
    // Two starters racing (a test's `up` and a teardown's) must not leave an untracked twin.
    const running = processesWithMarker(this.marker);
    if (running.length > 0) throw new Error(`${this.name} is already running (pids ${running.join(', ')}) without a pid file; stop them first`);
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const out = fs.openSync(options.logFile, 'a');
    try {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', out, out],
      });
      if (child.pid === undefined) throw new Error(`${this.name} did not start: spawn returned no pid`);
      child.unref();
      fs.mkdirSync(path.dirname(this.pidFile), { recursive: true });
      fs.writeFileSync(this.pidFile, `${child.pid}\n`);
      return child.pid;
    } finally {
      fs.closeSync(out);
    }
  }

  /** SIGTERM to the group, then SIGKILL after `graceMs`; returns when no process of the group is left. */
  async stop(graceMs = 30_000): Promise<void> {
    const pid = this.pid();
    if (pid !== undefined && this.isRunning()) {
      signalGroup(pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(200);
      if (groupAlive(pid)) {
        signalGroup(pid, 'SIGKILL');
        while (groupAlive(pid)) await sleep(100);
      }
    }
    // Stragglers that escaped the group (none expected) are found by their marker.
    for (const straggler of processesWithMarker(this.marker)) {
      try {
        process.kill(straggler, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.pidFile, { force: true });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/** Every live process whose command line contains `marker` (reads /proc). */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cmd = commandLine(pid);
    if (cmd?.includes(marker)) found.push(pid);
  }
  return found;
}
