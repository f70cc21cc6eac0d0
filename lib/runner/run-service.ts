import { isLogpipeError } from '../errors';
import { createLogger, Registry, startServiceHttpServer, type Logger, type Readiness } from '../telemetry';

/** What every service's main() runs: a thing that starts, stops and says whether it is ready. */
export interface RunnableService {
  start(): Promise<void>;
  stop(): Promise<void>;
  readiness(): Readiness;
  /** Set when the service must stop on its own: fenced by another instance, or its consumer stopped for good. */
  fatalError?(): Error | undefined;
}

export interface ServiceCommonConfig {
  readonly httpPort: number;
  readonly httpHost: string;
  readonly logLevel: string;
  readonly shutdownTimeoutMs: number;
}

/**
 * Config -> logger -> service -> HTTP endpoints -> start; SIGTERM/SIGINT stop it within the
 * deadline and exit 0. A configuration error prints its list of problems and exits 1, no stack.
 */
export function runService<C extends ServiceCommonConfig>(spec: {
  readonly name: string;
  readonly loadConfig: () => C;
  readonly build: (config: C, deps: { logger: Logger; registry: Registry }) => RunnableService;
}): void {
  let config: C;
  try {
    config = spec.loadConfig();
  } catch (err) {
    process.stderr.write(`${spec.name}: ${isLogpipeError(err) ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const logger = createLogger({ name: `logpipe-${spec.name}`, level: config.logLevel });
  const registry = new Registry();
  let service: RunnableService;
  try {
    service = spec.build(config, { logger, registry });
  } catch (err) {
    logger.fatal({ code: isLogpipeError(err) ? err.code : undefined }, `Cannot start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  logger.info({ config }, `Starting ${spec.name}`);

  let stopping = false;
  const stop = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why, deadlineMs: config.shutdownTimeoutMs }, `Stopping ${spec.name}`);
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: config.shutdownTimeoutMs }, 'Shutdown deadline passed; exiting with work in flight (uncommitted work is processed again by the group)');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    await service.stop();
    clearTimeout(deadline);
    logger.info(`${spec.name} stopped`);
    process.exit(code);
  };
  process.once('SIGTERM', () => void stop('SIGTERM', 0));
  process.once('SIGINT', () => void stop('SIGINT', 0));

  void (async () => {
    const server = await startServiceHttpServer({ port: config.httpPort, host: config.httpHost, registry, readiness: () => service.readiness(), logger });
    const address = server.address();
    logger.info({ port: typeof address === 'object' && address !== null ? address.port : config.httpPort }, 'Serving /metrics, /healthz, /readyz');
    server.unref();
    await service.start();
    const watch = setInterval(() => {
      const fenced = service.fatalError?.();
      if (fenced !== undefined) void stop(fenced.message, 1);
    }, 1_000);
    watch.unref();
  })().catch((err: unknown) => {
    logger.fatal({ err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, `${spec.name} failed`);
    void stop('failure', 1);
  });
}
