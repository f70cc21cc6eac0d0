import { AvroCodec } from '../../lib/codec';
import { createKafka } from '../../lib/kafka';
import { SinkLoop } from '../../lib/runner/sink-loop';
import type { Logger, Readiness, Registry } from '../../lib/telemetry';
import type { SinkLokiConfig } from './config';
import { LokiSink } from './sink';
import { SinkLokiTelemetry } from './sink-loki-telemetry';

/** The sink-loki process: consumes logs.enriched into Loki, at least once, idempotent by identical entries. */
export class SinkLokiService {
  private readonly sink: LokiSink;
  private readonly loop: SinkLoop;

  constructor(
    readonly config: SinkLokiConfig,
    deps: { readonly logger: Logger; readonly registry: Registry },
  ) {
    this.sink = new LokiSink(config, new AvroCodec(), new SinkLokiTelemetry(deps.logger.child({ module: 'sink-loki' }), deps.registry));
    this.loop = new SinkLoop({
      kafka: createKafka(config.kafka, deps.logger),
      groupId: config.groupId,
      inputTopic: config.inputTopic,
      logger: deps.logger.child({ module: 'sink-loop' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_sink_loki',
      writeBatch: (records, heartbeat, context) => this.sink.writeBatch(records, heartbeat, context),
      sessionTimeoutMs: config.sessionTimeoutMs,
      partitionsConsumedConcurrently: config.partitionsInProgress,
      maxBytesPerPartition: config.fetchBytesPerPartition,
      maxWaitTimeMs: config.flushIntervalMs,
    });
  }

  async start(): Promise<void> {
    await this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.sink.close();
  }

  readiness(): Readiness {
    const s = this.loop.status();
    return { ready: s.running && s.fatal === null && s.assignedPartitions > 0, detail: { ...s } };
  }

  fatalError(): Error | undefined {
    return this.loop.fatalError();
  }
}
