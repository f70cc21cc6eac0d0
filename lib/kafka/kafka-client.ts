import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { LogpipeError } from '../errors';
import type { Logger } from '../telemetry/logger';

/** How to reach Kafka; the same shape in every service's configuration. */
export interface KafkaConnection {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS on (system CAs) or with explicit PEM material. */
  readonly ssl?: boolean | { readonly ca?: string; readonly caFile?: string; readonly cert?: string; readonly key?: string; readonly rejectUnauthorized?: boolean };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs warns at every start of an idempotent producer with bounded retries. Our senders
 * retry the same batch themselves, one request in flight, and kafkajs advances sequence numbers
 * only on success, so a resend carries the same sequence and the broker deduplicates it.
 */
const IDEMPOTENT_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * CONCURRENT_TRANSACTIONS: the broker is still writing the markers of the previous transaction
 * when the next one adds its partitions. Expected right after a commit (and after a restart
 * with the same transactional id); kafkajs retries it, so it is not an error of ours.
 */
const CONCURRENT_TRANSACTIONS = 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing';

function isRetriedNoise(message: string, extra: Record<string, unknown>): boolean {
  return message === IDEMPOTENT_RETRIES_WARNING || extra.error === CONCURRENT_TRANSACTIONS || (typeof message === 'string' && message.endsWith(CONCURRENT_TRANSACTIONS));
}

/**
 * A rebalance answers the members' next Heartbeat or OffsetCommit with one of these; kafkajs
 * logs each response at ERROR and then re-joins, which is the normal course of scaling out.
 * The runner's own "re-joining" line stays, at WARN.
 */
const MEMBERSHIP_RESPONSES = new Set([
  'The coordinator is not aware of this member',
  'The group is rebalancing, so a rejoin is needed',
  'Specified group generation id is not valid',
]);

/** The pino level a kafkajs log line is written at. */
export function kafkajsLineLevel(namespace: string, level: number, message: string, extra: Record<string, unknown>): 'error' | 'warn' | 'info' | 'debug' {
  if (isRetriedNoise(message, extra)) return 'debug';
  const name = LEVEL_NAMES[level] ?? 'info';
  if (name !== 'error' || typeof extra.error !== 'string' || !MEMBERSHIP_RESPONSES.has(extra.error)) return name;
  return namespace === 'Connection' ? 'info' : 'warn';
}

/** Routes kafkajs's own log lines into the service's pino logger, one child per kafkajs namespace. */
function pinoLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const name = kafkajsLineLevel(namespace, level, message, extra);
      logger.child({ module: `kafkajs.${namespace}` })[name](extra, message);
    };
}

export function createKafka(connection: KafkaConnection, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: [...connection.brokers],
    connectionTimeout: connection.connectionTimeoutMs ?? 3_000,
    requestTimeout: connection.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
  };
  if (connection.ssl !== undefined) config.ssl = typeof connection.ssl === 'boolean' ? connection.ssl : tlsOptions(connection.ssl);
  if (connection.sasl !== undefined) config.sasl = { ...connection.sasl } as SASLOptions;
  return new Kafka(config);
}

/** kafkajs's TLS options; a CA file is read here so a missing one stops the start with its path. */
function tlsOptions(ssl: Exclude<KafkaConnection['ssl'], boolean | undefined>): ConnectionOptions {
  const { caFile, ...rest } = ssl;
  if (caFile === undefined) return { ...rest };
  try {
    return { ...rest, ca: fs.readFileSync(caFile, 'utf8') };
  } catch (err) {
    throw new LogpipeError('CONFIG_INVALID', `kafka.ssl.caFile (KAFKA_SSL_CA_FILE) is ${JSON.stringify(caFile)}, expected a readable PEM file (${(err as Error).message})`);
  }
}
