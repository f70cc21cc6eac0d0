import path from 'node:path';

/** Where the local stack keeps what it downloads and what it runs, and on which ports. */
export interface StackConfig {
  /** Downloads and builds, shared by every instance: jars, the ES distribution, the Loki binary. */
  readonly cacheDir: string;
  /** One running instance: configs, data, logs, pid files. */
  readonly runDir: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  /** The broker's TLS + SASL/SCRAM listener (certificates generated at provisioning). */
  readonly kafkaSaslSslPort: number;
  readonly esPort: number;
  readonly esTransportPort: number;
  readonly lokiPort: number;
  readonly lokiGrpcPort: number;
  /** JVM heap of each Java server, in MiB. */
  readonly kafkaHeapMb: number;
  readonly esHeapMb: number;
}

const repoRoot = path.resolve(__dirname, '..');

function portFrom(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${key}=${JSON.stringify(raw)} is not a TCP port (expected an integer 1-65535)`);
  }
  return port;
}

/** Reads LOGPIPE_STACK_* variables; every default points at `.stack/` in the repository. */
export function stackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const base = env.LOGPIPE_STACK_DIR ?? path.join(repoRoot, '.stack');
  return Object.freeze({
    cacheDir: env.LOGPIPE_STACK_CACHE ?? path.join(repoRoot, '.stack', 'cache'),
    runDir: path.join(base, 'run'),
    kafkaPort: portFrom(env, 'LOGPIPE_STACK_KAFKA_PORT', 9092),
    kafkaControllerPort: portFrom(env, 'LOGPIPE_STACK_KAFKA_CONTROLLER_PORT', 9093),
    kafkaSaslSslPort: portFrom(env, 'LOGPIPE_STACK_KAFKA_SASL_SSL_PORT', 9094),
    esPort: portFrom(env, 'LOGPIPE_STACK_ES_PORT', 9200),
    esTransportPort: portFrom(env, 'LOGPIPE_STACK_ES_TRANSPORT_PORT', 9300),
    lokiPort: portFrom(env, 'LOGPIPE_STACK_LOKI_PORT', 3100),
    lokiGrpcPort: portFrom(env, 'LOGPIPE_STACK_LOKI_GRPC_PORT', 9096),
    kafkaHeapMb: 512,
    esHeapMb: 768,
  });
}

export const stackSourceDir = __dirname;
