import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { requireCommand, run } from '../commands';
import { httpGet } from '../http-probe';
import { findJavaHome } from '../java-home';
import { ManagedProcess } from '../managed-process';
import type { StackConfig } from '../stack-config';
import { stackSourceDir } from '../stack-config';
import { StackError } from '../stack-error';
import type { LocalServer } from './local-server';

/** Elasticsearch refuses to run as root; as root we run it as this unprivileged system user. */
const ES_USER = 'logpipe-es';

/** Single-node Elasticsearch from Maven Central's integ-test distribution (no bundled JDK, few modules). */
export class ElasticsearchServer implements LocalServer {
  readonly name = 'elasticsearch';
  readonly ports: readonly number[];
  readonly endpoint: string;
  readonly process: ManagedProcess;
  readonly logFile: string;
  readonly ownLogFiles: readonly string[];
  readonly startTimeoutMs = 120_000;
  private readonly distDir: string;
  private readonly runDir: string;

  constructor(private readonly config: StackConfig) {
    this.ports = [config.esPort, config.esTransportPort];
    this.endpoint = `http://127.0.0.1:${config.esPort}`;
    this.distDir = path.join(config.cacheDir, 'elasticsearch');
    this.runDir = path.join(config.runDir, 'elasticsearch');
    this.logFile = path.join(this.runDir, 'logs', 'process.log');
    // With -q the launcher prints little; a failed start is explained in the cluster's log.
    this.ownLogFiles = [path.join(this.runDir, 'logs', 'logpipe-local.log')];
    this.process = new ManagedProcess(this.name, path.join(this.runDir, 'elasticsearch.pid'), this.runDir);
  }

  async install(): Promise<void> {
    const done = path.join(this.distDir, '.complete');
    if (fs.existsSync(done)) return;
    requireCommand('mvn', 'download Elasticsearch from Maven Central');
    requireCommand('unzip', 'unpack the Elasticsearch distribution');
    fs.rmSync(this.distDir, { recursive: true, force: true });
    const zipDir = path.join(this.distDir, 'zip');
    await run(
      'mvn',
      ['-B', '-q', '-f', path.join(stackSourceDir, 'elasticsearch', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${zipDir}`],
      { what: 'download Elasticsearch from Maven Central with mvn' },
    );
    const zip = fs.readdirSync(zipDir).find((f) => f.endsWith('.zip'));
    if (zip === undefined) throw new StackError(`mvn finished but left no Elasticsearch zip in ${zipDir}.`);
    await run('unzip', ['-q', path.join(zipDir, zip), '-d', this.distDir], { what: 'unpack the Elasticsearch distribution' });
    fs.rmSync(zipDir, { recursive: true, force: true });
    fs.writeFileSync(done, new Date().toISOString());
  }

  private home(): string {
    const dir = fs.readdirSync(this.distDir).find((f) => f.startsWith('elasticsearch-'));
    if (dir === undefined) throw new StackError(`No Elasticsearch distribution in ${this.distDir}; run \`npm run stack -- up\` again to reinstall it.`);
    return path.join(this.distDir, dir);
  }

  async start(): Promise<void> {
    const javaHome = findJavaHome(17);
    // Each instance gets its own copy of config/ (ES writes a keystore there) and its own data/logs.
    const configDir = path.join(this.runDir, 'config');
    const dataDir = path.join(this.runDir, 'data');
    const logsDir = path.join(this.runDir, 'logs');
    const tmpDir = path.join(this.runDir, 'tmp');
    for (const dir of [dataDir, logsDir, tmpDir]) fs.mkdirSync(dir, { recursive: true });
    fs.rmSync(configDir, { recursive: true, force: true });
    fs.cpSync(path.join(this.home(), 'config'), configDir, { recursive: true });
    fs.writeFileSync(path.join(configDir, 'elasticsearch.yml'), this.settings(dataDir, logsDir));
    fs.mkdirSync(path.join(configDir, 'jvm.options.d'), { recursive: true });
    fs.writeFileSync(path.join(configDir, 'jvm.options.d', 'heap.options'), `-Xms${this.config.esHeapMb}m\n-Xmx${this.config.esHeapMb}m\n`);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ES_JAVA_HOME: javaHome,
      ES_PATH_CONF: configDir,
      ES_TMPDIR: tmpDir,
      HOME: this.runDir,
    };
    delete env.JAVA_HOME; // ES warns when both are set; ES_JAVA_HOME wins anyway.
    const launcher = path.join(this.home(), 'bin', 'elasticsearch');
    const asUser = dropRootPrivileges([this.runDir, this.distDir]);
    // path.data on the command line (not only in elasticsearch.yml) puts the run directory in
    // the command line of every stage: setpriv, the bin/elasticsearch shell script, the launcher
    // JVM. The pid check looks for it there, even in the moment before the JVM starts.
    const args = ['-q', `-Epath.data=${dataDir}`];
    await this.process.start(asUser[0] ?? launcher, [...asUser.slice(1), ...(asUser.length > 0 ? [launcher] : []), ...args], {
      cwd: this.runDir,
      env,
      logFile: this.logFile,
    });
  }

  async isHealthy(): Promise<boolean> {
    // The integ-test zip lacks the rest-root module, so `GET /` 404s: cluster health is the probe.
    const res = await httpGet(`${this.endpoint}/_cluster/health?wait_for_status=yellow&timeout=1s`);
    if (res?.status !== 200) return false;
    const status = (JSON.parse(res.body) as { status?: string }).status;
    return status === 'green' || status === 'yellow';
  }

  private settings(dataDir: string, logsDir: string): string {
    return [
      '# Written by stack/servers/elasticsearch.ts on every start; edit that file instead.',
      'cluster.name: logpipe-local',
      'node.name: local',
      `path.data: ${dataDir}`,
      `path.logs: ${logsDir}`,
      'network.host: 127.0.0.1',
      `http.port: ${this.config.esPort}`,
      `transport.port: ${this.config.esTransportPort}`,
      'discovery.type: single-node',
      'xpack.security.enabled: false',
      // Disks here are shared with everything else; watermarks would make indices read-only at random.
      'cluster.routing.allocation.disk.threshold_enabled: false',
      // Tests delete their indices by pattern.
      'action.destructive_requires_name: false',
      '',
    ].join('\n');
  }
}

/**
 * As root: creates the ES system user if needed, hands it `dirs`, and returns the
 * command prefix that runs a program as that user. Otherwise returns no prefix.
 * setpriv execs in place, so the pid we record is Elasticsearch's own launcher.
 */
function dropRootPrivileges(dirs: readonly string[]): string[] {
  if (process.getuid?.() !== 0) return [];
  requireCommand('setpriv', 'run Elasticsearch as an unprivileged user (it refuses to run as root)');
  if (spawnSync('id', ['-u', ES_USER]).status !== 0) {
    requireCommand('useradd', `create the '${ES_USER}' user that Elasticsearch runs as`);
    const created = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ES_USER], { encoding: 'utf8' });
    if (created.status !== 0) throw new StackError(`Could not create the '${ES_USER}' user: ${created.stderr.trim()}.`);
  }
  for (const dir of dirs) {
    const reachable = spawnSync('setpriv', [`--reuid=${ES_USER}`, `--regid=${ES_USER}`, '--clear-groups', '--', 'test', '-x', path.dirname(dir)]);
    if (reachable.status !== 0) {
      throw new StackError(`Elasticsearch runs as '${ES_USER}', who cannot reach ${path.dirname(dir)}; make its parent directories searchable (chmod o+x) or choose another LOGPIPE_STACK_DIR.`);
    }
    const chown = spawnSync('chown', ['-R', `${ES_USER}:${ES_USER}`, dir], { encoding: 'utf8' });
    if (chown.status !== 0) throw new StackError(`Could not give ${dir} to '${ES_USER}': ${chown.stderr.trim()}.`);
  }
  return ['setpriv', `--reuid=${ES_USER}`, `--regid=${ES_USER}`, '--clear-groups', '--'];
}
