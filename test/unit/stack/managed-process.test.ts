import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess, processesWithMarker } from '../../../stack/managed-process';

describe('ManagedProcess', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'managed-process-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports a process as running while it execs from one program to the next', async () => {
    // Like Elasticsearch's launch (setpriv -> bash -> java), but 400 times over: every stage
    // carries the marker in its arguments, and the last one sleeps.
    const script = path.join(dir, 'exec-chain.sh');
    fs.writeFileSync(script, 'if [ "$2" -lt 400 ]; then exec /bin/sh "$0" "$1" $(( $2 + 1 )); fi\nsleep 30\n');
    const marker = path.join(dir, 'marker');
    const proc = new ManagedProcess('exec-chain', path.join(dir, 'chain.pid'), marker);
    const pid = await proc.start('/bin/sh', [script, marker, '0'], { env: process.env, cwd: dir, logFile: path.join(dir, 'chain.log') });

    let polls = 0;
    let notRunning = 0;
    const atLastStage = (): boolean => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').endsWith('\u0000400\u0000');
    while (!atLastStage()) {
      polls++;
      if (!proc.isRunning()) notRunning++;
    }
    expect(polls).toBeGreaterThan(0);
    expect(notRunning).toBe(0);

    await proc.stop(2_000);
    expect(proc.isRunning()).toBe(false);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'chain.pid'))).toBe(false);
  });

  it('refuses to start a twin of a process of the same marker that is not its own', async () => {
    const marker = path.join(dir, 'twin-marker');
    const first = new ManagedProcess('first', path.join(dir, 'first.pid'), marker);
    const firstPid = await first.start('/bin/sh', ['-c', 'sleep 30', marker], { env: process.env, cwd: dir, logFile: path.join(dir, 'first.log') });
    // spawn returns once exec began; the new command line appears a moment later.
    while (!processesWithMarker(marker).includes(firstPid)) await sleep(5);
    const twin = new ManagedProcess('twin', path.join(dir, 'twin.pid'), marker, 500);
    await expect(twin.start('/bin/sh', ['-c', 'sleep 30', marker], { env: process.env, cwd: dir, logFile: path.join(dir, 'twin.log') })).rejects.toThrow(
      /twin is already running \(pids \d+\) without a pid file/,
    );
    await first.stop(2_000);
    expect(processesWithMarker(marker)).toEqual([]);
  }, 30_000);
});
