import { spawn, spawnSync } from 'node:child_process';
import { StackError } from './stack-error';

/** Fails with one sentence when a tool the stack needs is not on PATH. */
export function requireCommand(command: string, neededFor: string): void {
  const probe = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new StackError(`'${command}' was not found on PATH; it is needed to ${neededFor}.`);
  }
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Short description used in the error if the command fails. */
  readonly what: string;
}

/** Runs a command to completion; on failure the error carries the tail of its output. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (err) => reject(new StackError(`Could not ${options.what}: ${err.message}.`)));
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new StackError(`Could not ${options.what} (exit code ${code}).\n${tail}`));
      }
    });
  });
}
