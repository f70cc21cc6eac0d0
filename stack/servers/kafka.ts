import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { requireCommand, run } from '../commands';
import { findJavaHome } from '../java-home';
import { ManagedProcess } from '../managed-process';
import type { StackConfig } from '../stack-config';
import { stackSourceDir } from '../stack-config';
import type { LocalServer } from './local-server';

/** Apache Kafka in KRaft mode, one node acting as broker and controller, from Maven Central jars. */
export class KafkaServer implements LocalServer {
  readonly name = 'kafka';
  readonly ports: readonly number[];
  readonly endpoint: string;
  readonly process: ManagedProcess;
  readonly logFile: string;
  readonly startTimeoutMs = 90_000;
  /** The TLS + SASL/SCRAM listener: `saslSslEndpoint`, the CA to trust and the local user. */
  readonly saslSslEndpoint: string;
  readonly caFile: string;
  static readonly SCRAM_USER = { mechanism: 'scram-sha-512', username: 'logpipe', password: 'logpipe-local-stack-only' } as const;
  private readonly libDir: string;
  private readonly runDir: string;
  private readonly tlsDir: string;

  constructor(private readonly config: StackConfig) {
    this.ports = [config.kafkaPort, config.kafkaControllerPort, config.kafkaSaslSslPort];
    this.endpoint = `127.0.0.1:${config.kafkaPort}`;
    this.saslSslEndpoint = `127.0.0.1:${config.kafkaSaslSslPort}`;
    this.libDir = path.join(config.cacheDir, 'kafka', 'lib');
    this.runDir = path.join(config.runDir, 'kafka');
    this.logFile = path.join(this.runDir, 'logs', 'process.log');
    this.process = new ManagedProcess(this.name, path.join(this.runDir, 'kafka.pid'), this.runDir);
    this.tlsDir = path.join(this.runDir, 'tls');
    this.caFile = path.join(this.tlsDir, 'ca.pem');
  }

  async install(): Promise<void> {
    const done = path.join(this.libDir, '.complete');
    if (fs.existsSync(done)) return;
    requireCommand('mvn', 'download the Kafka jars from Maven Central');
    fs.rmSync(this.libDir, { recursive: true, force: true });
    await run(
      'mvn',
      ['-B', '-q', '-f', path.join(stackSourceDir, 'kafka', 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${this.libDir}`],
      { what: 'download the Kafka jars from Maven Central with mvn' },
    );
    fs.writeFileSync(done, new Date().toISOString());
  }

  async start(): Promise<void> {
    const javaHome = findJavaHome(17);
    const dataDir = path.join(this.runDir, 'data');
    const logsDir = path.join(this.runDir, 'logs');
    fs.mkdirSync(logsDir, { recursive: true });
    await this.ensureCertificate(javaHome);
    const properties = path.join(this.runDir, 'server.properties');
    fs.writeFileSync(properties, this.serverProperties(dataDir));
    const log4j = path.join(this.runDir, 'log4j2.properties');
    fs.writeFileSync(log4j, log4jProperties(logsDir));

    const java = path.join(javaHome, 'bin', 'java');
    const classpath = `${this.libDir}/*`;
    const jvmLogging = [`-Dlog4j2.configurationFile=${log4j}`, `-Dkafka.logs.dir=${logsDir}`];
    if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
      await run(
        java,
        ['-cp', classpath, ...jvmLogging, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId(), '-c', properties],
        { what: 'format the Kafka storage directory' },
      );
    }
    await this.process.start(
      java,
      [
        `-Xms${this.config.kafkaHeapMb}m`,
        `-Xmx${this.config.kafkaHeapMb}m`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        ...jvmLogging,
        '-cp',
        classpath,
        'kafka.Kafka',
        properties,
      ],
      { cwd: this.runDir, env: process.env, logFile: this.logFile },
    );
  }

  /**
   * The SCRAM user of the SASL_SSL listener. KRaft keeps SCRAM credentials in its metadata,
   * so they are set through the running broker (ConfigCommand over the plaintext listener).
   */
  async afterHealthy(): Promise<void> {
    const { mechanism, username, password } = KafkaServer.SCRAM_USER;
    const java = path.join(findJavaHome(17), 'bin', 'java');
    await run(
      java,
      ['-cp', `${this.libDir}/*`, `-Dlog4j2.configurationFile=${path.join(this.runDir, 'log4j2.properties')}`, 'kafka.admin.ConfigCommand', '--bootstrap-server', this.endpoint, '--alter', '--entity-type', 'users', '--entity-name', username, '--add-config', `${mechanism.toUpperCase()}=[iterations=8192,password=${password}]`],
      { what: `create the SCRAM user ${username} for the SASL_SSL listener` },
    );
  }

  /** A self-signed certificate for 127.0.0.1 (keytool from the JDK), made once per run directory; clients trust ca.pem. */
  private async ensureCertificate(javaHome: string): Promise<void> {
    if (fs.existsSync(this.caFile)) return;
    fs.mkdirSync(this.tlsDir, { recursive: true });
    const keytool = path.join(javaHome, 'bin', 'keytool');
    const keystore = path.join(this.tlsDir, 'broker.p12');
    fs.rmSync(keystore, { force: true });
    const pass = ['-storepass', KEYSTORE_PASSWORD];
    await run(
      keytool,
      ['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '3650', '-dname', 'CN=127.0.0.1, O=logpipe local stack', '-ext', 'SAN=IP:127.0.0.1,DNS:localhost', '-ext', 'BC=ca:true', '-keystore', keystore, '-storetype', 'PKCS12', ...pass],
      { what: 'generate the broker certificate with keytool' },
    );
    await run(keytool, ['-exportcert', '-rfc', '-alias', 'broker', '-keystore', keystore, ...pass, '-file', this.caFile], { what: 'export the broker certificate with keytool' });
  }

  /** Healthy once the client listener accepts a connection and answers an ApiVersions request. */
  isHealthy(): Promise<boolean> {
    return apiVersionsAnswered(this.config.kafkaPort);
  }

  private serverProperties(dataDir: string): string {
    const { kafkaPort, kafkaControllerPort, kafkaSaslSslPort } = this.config;
    const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
    return [
      '# Written by stack/servers/kafka.ts on every start; edit that file instead.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${kafkaControllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${kafkaControllerPort},SASL_SSL://127.0.0.1:${kafkaSaslSslPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${kafkaPort},SASL_SSL://127.0.0.1:${kafkaSaslSslPort}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
      // TLS + SCRAM on its own port, for clients that must authenticate (the plaintext one stays for tests and tools).
      'sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256',
      `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}`,
      `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}`,
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${path.join(this.tlsDir, 'broker.p12')}`,
      `ssl.keystore.password=${KEYSTORE_PASSWORD}`,
      `ssl.key.password=${KEYSTORE_PASSWORD}`,
      `log.dirs=${dataDir}`,
      'num.partitions=3',
      // Topics are created explicitly (the harness, `logpipe topics`): a typo must not make a new topic.
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=10',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // A lone local broker has nobody to wait for before the first rebalance.
      'group.initial.rebalance.delay.ms=0',
      // Tests use short-lived consumer groups; the broker minimum (6 s) keeps rebalances quick.
      'group.min.session.timeout.ms=6000',
      // Broker and controller share this process. On a loaded 2-core machine its heartbeats to its
      // own controller came late, and past the default 9 s session the controller fenced the broker:
      // every partition leaderless and every coordinator reloading for a moment, in the middle of tests.
      'broker.session.timeout.ms=30000',
      '',
    ].join('\n');
  }
}

/** Guards a throwaway keystore of a local test broker; nothing else. */
const KEYSTORE_PASSWORD = 'logpipe-local-keystore';

/** Kafka's Uuid is 16 random bytes in URL-safe base64; it refuses ids that start with '-'. */
function clusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function log4jProperties(logsDir: string): string {
  return [
    'status = warn',
    'appender.file.type = RollingFile',
    'appender.file.name = file',
    `appender.file.fileName = ${logsDir}/server.log`,
    `appender.file.filePattern = ${logsDir}/server.log.%i`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'appender.file.policies.type = Policies',
    'appender.file.policies.size.type = SizeBasedTriggeringPolicy',
    'appender.file.policies.size.size = 20MB',
    'appender.file.strategy.type = DefaultRolloverStrategy',
    'appender.file.strategy.max = 3',
    'rootLogger.level = info',
    'rootLogger.appenderRef.file.ref = file',
    '',
  ].join('\n');
}

/**
 * Sends a raw ApiVersions v0 request (api_key 18) and waits for any well-formed answer,
 * so the check needs no client library and proves the broker speaks the protocol.
 */
function apiVersionsAnswered(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const clientId = Buffer.from('logpipe-stack');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    let offset = body.writeInt16BE(18, 0); // api_key
    offset = body.writeInt16BE(0, offset); // api_version
    offset = body.writeInt32BE(1, offset); // correlation_id
    offset = body.writeInt16BE(clientId.length, offset);
    clientId.copy(body, offset);
    const frame = Buffer.concat([Buffer.alloc(4), body]);
    frame.writeInt32BE(body.length, 0);

    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write(frame));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // size(4) + correlation_id(4) + error_code(2): error 0 means the broker is serving requests.
      if (received.length >= 10) finish(received.readInt32BE(4) === 1 && received.readInt16BE(8) === 0);
    });
  });
}
