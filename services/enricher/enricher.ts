import { AvroCodec } from '../../lib/codec';
import { createKafka } from '../../lib/kafka';
import { TransactionalPipeline } from '../../lib/runner/transactional-pipeline';
import type { Logger, Readiness, Registry } from '../../lib/telemetry';
import type { EnricherConfig } from './enricher-config';
import { GeoIpLookup } from './enrichments/geoip-lookup';
import { RecordProcessor, type ProcessOutcome } from './record-processor';

/** The enricher service: raw records in, enriched or dead-lettered records out, exactly once. */
export class Enricher {
  private readonly pipeline: TransactionalPipeline<ProcessOutcome>;

  /** Opens the GeoIP databases now: a bad one stops the service before it consumes anything. */
  constructor(
    readonly config: EnricherConfig,
    deps: { readonly logger: Logger; readonly registry: Registry; readonly codec?: AvroCodec },
  ) {
    const geoip = GeoIpLookup.open(config.geoip);
    const processor = new RecordProcessor(deps.codec ?? new AvroCodec(), geoip, {
      outputTopic: config.outputTopic,
      dlqTopic: config.dlqTopic,
      instanceId: config.instanceId,
      passThrough: config.passThrough,
      limits: { minTimestampMicros: Date.parse(config.minTimestamp) * 1000, maxFutureSkewMicros: config.maxFutureSkewSec * 1_000_000 },
      sizeLimits: { maxMessageBytes: config.maxMessageBytes, maxOutputBytes: config.maxOutputBytes },
    });
    this.pipeline = new TransactionalPipeline<ProcessOutcome>({
      kafka: createKafka(config.kafka, deps.logger),
      groupId: config.groupId,
      inputTopic: config.inputTopic,
      transactionalIdPrefix: config.groupId,
      logger: deps.logger.child({ module: 'transactional-pipeline' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_enricher',
      sessionTimeoutMs: config.sessionTimeoutMs,
      process: (key, value, source) => processor.process(key, value, source),
    });
  }

  start(): Promise<void> {
    return this.pipeline.start();
  }

  stop(): Promise<void> {
    return this.pipeline.stop();
  }

  readiness(): Readiness {
    const s = this.pipeline.status();
    return { ready: s.running && s.fatal === null && s.assignedPartitions > 0, detail: s };
  }

  fatalError(): Error | undefined {
    return this.pipeline.fatalError();
  }
}
