import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { StackError } from './stack-error';

/** JAVA_HOME if set, else the JDK behind the `java` on PATH; the major version must be at least `minMajor`. */
export function findJavaHome(minMajor: number): string {
  const fromEnv = process.env.JAVA_HOME;
  let home: string | undefined = fromEnv && fs.existsSync(path.join(fromEnv, 'bin', 'java')) ? fromEnv : undefined;
  if (home === undefined) {
    const which = spawnSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' });
    if (which.status !== 0) {
      throw new StackError(`'java' was not found on PATH; Kafka and Elasticsearch need a Java ${minMajor}+ runtime (install openjdk-17-jdk-headless).`);
    }
    home = path.resolve(fs.realpathSync(which.stdout.trim()), '..', '..');
  }
  const version = spawnSync(path.join(home, 'bin', 'java'), ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)/.exec(version.stderr ?? '');
  const major = match?.[1] === undefined ? 0 : Number(match[1]);
  if (major < minMajor) {
    throw new StackError(`The Java at ${home} is version ${major || 'unknown'}; Kafka and Elasticsearch need Java ${minMajor} or newer.`);
  }
  return home;
}
