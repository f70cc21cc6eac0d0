import { AvroCodec } from '../../lib/codec';
import { createKafka } from '../../lib/kafka';
import { SinkLoop } from '../../lib/runner/sink-loop';
import type { Logger, Readiness, Registry } from '../../lib/telemetry';
import type { SinkEsConfig } from './config';
import { ElasticsearchSink } from './sink';

/** The sink-es process: installs the template, then consumes logs.enriched into Elasticsearch. */
export class SinkEsService {
  private readonly sink: ElasticsearchSink;
  private readonly loop: SinkLoop;
  private templateInstalled = false;

  constructor(
    readonly config: SinkEsConfig,
    deps: { readonly logger: Logger; readonly registry: Registry },
  ) {
    this.sink = new ElasticsearchSink(config, new AvroCodec(), deps.logger.child({ module: 'sink-es' }), deps.registry);
    this.loop = new SinkLoop({
      kafka: createKafka(config.kafka, deps.logger),
      groupId: config.groupId,
      inputTopic: config.inputTopic,
      logger: deps.logger.child({ module: 'sink-loop' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_sink_es',
      writeBatch: (records, heartbeat) => this.sink.writeBatch(records, heartbeat),
      sessionTimeoutMs: config.sessionTimeoutMs,
      partitionsConsumedConcurrently: config.partitionsInProgress,
      maxBytesPerPartition: config.fetchBytesPerPartition,
      maxWaitTimeMs: config.flushIntervalMs,
    });
  }

  async start(): Promise<void> {
    await this.sink.installTemplate();
    this.templateInstalled = true;
    await this.loop.start();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await this.sink.close();
  }

  readiness(): Readiness {
    const s = this.loop.status();
    return { ready: this.templateInstalled && s.running && s.fatal === null && s.assignedPartitions > 0, detail: { ...s, templateInstalled: this.templateInstalled } };
  }

  fatalError(): Error | undefined {
    return this.loop.fatalError();
  }
}
