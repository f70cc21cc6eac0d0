import { AvroCodec } from '../../lib/codec';
import { createKafka } from '../../lib/kafka';
import { TransactionalPipeline, type TransactionalPipelineOptions } from '../../lib/runner/transactional-pipeline';
import type { Logger, Readiness, Registry } from '../../lib/telemetry';
import type { EnricherConfig } from './enricher-config';
import { GeoIpLookup } from './enrichments/geoip-lookup';
import { RecordProcessor, type ProcessOutcome, type ProcessorSettings } from './record-processor';
import { EnrichWorkerPool } from './worker/enrich-worker-pool';

/** Partition batches handed to the workers at once: one being produced while the next are enriched. */
const BATCHES_AHEAD = 4;

/** The per-record function of enrichment on the main thread. */
function inline(processor: RecordProcessor): NonNullable<TransactionalPipelineOptions<ProcessOutcome>['process']> {
  return (key, value, source) => processor.process(key, value, source);
}

/** The enricher service: raw records in, enriched or dead-lettered records out, exactly once. */
export class Enricher {
  private readonly pipeline: TransactionalPipeline<ProcessOutcome>;
  private readonly workers: EnrichWorkerPool | undefined;

  /** Opens the GeoIP databases now: a bad one stops the service before it consumes anything. */
  constructor(
    readonly config: EnricherConfig,
    deps: { readonly logger: Logger; readonly registry: Registry; readonly codec?: AvroCodec },
  ) {
    const geoip = GeoIpLookup.open(config.geoip);
    const settings: ProcessorSettings = {
      outputTopic: config.outputTopic,
      dlqTopic: config.dlqTopic,
      instanceId: config.instanceId,
      passThrough: config.passThrough,
      limits: { minTimestampMicros: Date.parse(config.minTimestamp) * 1000, maxFutureSkewMicros: config.maxFutureSkewSec * 1_000_000 },
      sizeLimits: { maxMessageBytes: config.maxMessageBytes, maxOutputBytes: config.maxOutputBytes },
    };
    const workers = config.workerThreads > 0 && !config.passThrough ? new EnrichWorkerPool(config.workerThreads, { geoip: config.geoip, settings }, config, deps.logger.child({ module: 'enrich-workers' })) : undefined;
    this.workers = workers;
    this.pipeline = new TransactionalPipeline<ProcessOutcome>({
      kafka: createKafka(config.kafka, deps.logger),
      groupId: config.groupId,
      inputTopic: config.inputTopic,
      transactionalIdPrefix: config.groupId,
      logger: deps.logger.child({ module: 'transactional-pipeline' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_enricher',
      sessionTimeoutMs: config.sessionTimeoutMs,
      ...(workers === undefined
        ? { process: inline(new RecordProcessor(deps.codec ?? new AvroCodec(), geoip, settings)) }
        : { processAhead: (messages, source) => workers.process(messages, source), partitionsConsumedConcurrently: BATCHES_AHEAD }),
    });
  }

  start(): Promise<void> {
    return this.pipeline.start();
  }

  async stop(): Promise<void> {
    await this.pipeline.stop();
    await this.workers?.close();
  }

  readiness(): Readiness {
    const s = this.pipeline.status();
    return { ready: s.running && s.fatal === null && s.assignedPartitions > 0, detail: s };
  }

  fatalError(): Error | undefined {
    return this.pipeline.fatalError() ?? this.workers?.error;
  }
}
