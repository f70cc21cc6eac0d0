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
    /** How long a start waits for processes of a previous stop to finish exiting. */
    private readonly exitWaitMs = 15_000,
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
    const cmd = commandLine(pid);
    if (cmd === undefined || !isLiveUserProcess(pid)) return false;
    // Between execve's switch to the new image and its argument setup the command line reads
    // empty. The launchers exec twice (setpriv -> bash -> java), and a poll landing in that
    // window once made a starting Elasticsearch look dead.
    return cmd === '' || cmd.includes(this.marker);
  }

  async start(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string }): Promise<number> {
    // Two starters racing (a test's `up` and a teardown's) must not leave an untracked twin.
    // Processes still exiting from a stop are waited for first.
    const running = await waitForNoneWithMarker(this.marker, this.exitWaitMs);
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
    // Stragglers that escaped the group (a launcher that died before its server) are found by
    // their marker, and waited for: a start right after must not meet a dying twin.
    for (const straggler of processesWithMarker(this.marker)) {
      try {
        process.kill(straggler, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const left = await waitForNoneWithMarker(this.marker, 30_000);
    if (left.length > 0) throw new Error(`${this.name} did not exit after SIGKILL (pids ${left.join(', ')})`);
    fs.rmSync(this.pidFile, { force: true });
  }
}

async function waitForNoneWithMarker(marker: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processesWithMarker(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(100);
    left = processesWithMarker(marker);
  }
  return left;
}

/** Alive, not a zombie, not a kernel thread (which also has an empty command line). */
function isLiveUserProcess(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state !== 'Z' && state !== 'X' && ppid !== '2' && pid !== 2;
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
