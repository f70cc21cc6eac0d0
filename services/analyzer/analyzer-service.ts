import type { Admin, Kafka } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LogpipeError } from '../../lib/errors';
import { createKafka, createTopicsAndWait, retryWhileTransient } from '../../lib/kafka';
import { TransactionalPipeline } from '../../lib/runner/transactional-pipeline';
import { counter, histogram, type Logger, type Readiness, type Registry } from '../../lib/telemetry';
import { AggregateStage, type AggregateOutcome } from './aggregate/aggregate-stage';
import { RuleEvaluator } from './alerts/rule-evaluator';
import { internalNames, type AnalyzerConfig } from './config';
import { MergeStage, type MergeOutcome } from './merge/merge-stage';
import type { CompiledRule } from './rules/compile-rule';
import { DEFAULT_RULES_FILE, loadRulesFile } from './rules/load-rules';

/** How often the aggregate stage looks for idle partitions. */
const TICK_MS = 1_000;

/**
 * The analyzer process: an aggregate stage on the enriched topic and a merge stage on the
 * internal partials topic, each an exactly-once Kafka transaction loop with its own group.
 * Any number of processes share the work; all state is in Kafka (offsets with watermarks,
 * the partials topic, the compacted changelog).
 */
export class AnalyzerService {
  readonly rules: readonly CompiledRule[];
  private readonly kafka: Kafka;
  private readonly codec = new AvroCodec();
  private aggregate: TransactionalPipeline<AggregateOutcome> | undefined;
  private merge: TransactionalPipeline<MergeOutcome> | undefined;
  private admin: Admin | undefined;

  /** Loads and validates the rules now: a bad rule file stops the service before it consumes. */
  constructor(
    readonly config: AnalyzerConfig,
    private readonly deps: { readonly logger: Logger; readonly registry: Registry },
  ) {
    this.rules = loadRulesFile(config.rulesFile ?? DEFAULT_RULES_FILE);
    this.kafka = createKafka(config.kafka, deps.logger);
  }

  async start(): Promise<void> {
    const { config, deps } = this;
    const names = internalNames(config);
    const { inputPartitions, internalPartitions } = await retryWhileTransient('Checking and creating the analyzer topics', () => this.ensureTopics(), { logger: deps.logger });
    const late = counter(deps.registry, 'logpipe_analyzer_late_records_total', 'Records that arrived after their window closed (event time older than the watermark minus the allowed lateness): counted, not added.');
    const alerts = counter(deps.registry, 'logpipe_analyzer_alerts_total', 'Alert events emitted, by status.', ['status']);
    const summaries = counter(deps.registry, 'logpipe_analyzer_summaries_total', 'Window summaries emitted.');
    const restoreSeconds = histogram(deps.registry, 'logpipe_analyzer_state_restore_seconds', 'Time to restore merge state from the changelog after an assignment.', [0.1, 0.5, 1, 2.5, 5, 10, 30, 60]);

    const aggregateStage = new AggregateStage(
      this.codec,
      this.rules,
      {
        groupId: config.groupId,
        inputTopic: config.inputTopic,
        partialsTopic: names.partialsTopic,
        dlqTopic: config.dlqTopic,
        instanceId: config.instanceId,
        inputPartitions,
        partialsPartitions: internalPartitions,
        idleTimeoutMs: config.idleTimeoutMs,
        summaryWindowMs: config.summaryWindowMs,
        allowedLatenessMs: config.allowedLatenessMs,
        maxSamples: config.maxSamples,
      },
      () => this.connectedAdmin(),
      (n) => late.inc(n),
    );
    const evaluators = new Map(this.rules.map((r) => [r.rule.id, new RuleEvaluator(r.rule, { renotifyMs: config.renotifyMs, maxSamples: config.maxSamples })]));
    const mergeStage = new MergeStage(
      this.kafka,
      this.codec,
      evaluators,
      { partialsTopic: names.partialsTopic, stateTopic: names.stateTopic, alertsTopic: config.alertsTopic, summariesTopic: config.summariesTopic, allowedLatenessMs: config.allowedLatenessMs },
      deps.logger.child({ module: 'merge-stage' }),
      {
        onAlert: (status) => alerts.inc({ status }),
        onSummary: () => summaries.inc(),
        onLate: (n) => late.inc(n),
        onRestore: (_partition, _records, ms) => restoreSeconds.observe(ms / 1000),
      },
    );
    this.aggregate = new TransactionalPipeline<AggregateOutcome>({
      kafka: this.kafka,
      groupId: config.groupId,
      inputTopic: config.inputTopic,
      transactionalIdPrefix: `${config.groupId}-aggregate`,
      logger: deps.logger.child({ module: 'aggregate-stage' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_analyzer_aggregate',
      sessionTimeoutMs: config.sessionTimeoutMs,
      processBatch: (batch) => aggregateStage.processBatch(batch),
      onAssignment: (_partitions, committed) => aggregateStage.assigned(committed),
      tick: { intervalMs: TICK_MS, run: (partition) => aggregateStage.tick(partition) },
    });
    this.merge = new TransactionalPipeline<MergeOutcome>({
      kafka: this.kafka,
      groupId: names.mergeGroupId,
      inputTopic: names.partialsTopic,
      transactionalIdPrefix: `${config.groupId}-merge`,
      logger: deps.logger.child({ module: 'merge-stage' }),
      registry: deps.registry,
      metricPrefix: 'logpipe_analyzer_merge',
      sessionTimeoutMs: config.sessionTimeoutMs,
      processBatch: (batch) => mergeStage.processBatch(batch),
      onAssignment: (partitions) => mergeStage.assigned(partitions),
    });
    await this.merge.start();
    await this.aggregate.start();
  }

  async stop(): Promise<void> {
    await this.aggregate?.stop();
    await this.merge?.stop();
    await this.admin?.disconnect().catch(() => undefined);
  }

  readiness(): Readiness {
    const a = this.aggregate?.status();
    const m = this.merge?.status();
    const ready = a !== undefined && m !== undefined && a.running && m.running && a.fatal === null && m.fatal === null;
    return { ready, detail: { aggregate: a ?? null, merge: m ?? null, rules: this.rules.map((r) => r.rule.id) } };
  }

  fatalError(): Error | undefined {
    return this.aggregate?.fatalError() ?? this.merge?.fatalError();
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin === undefined) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  /**
   * The input must exist; the internal topics are created when missing: the partials topic
   * with as many partitions as the input (or as configured), the changelog partition for
   * partition with it and compacted, so a restore reads the latest state per key only.
   */
  private async ensureTopics(): Promise<{ inputPartitions: number; internalPartitions: number }> {
    const admin = await this.connectedAdmin();
    const names = internalNames(this.config);
    const existing = new Set(await admin.listTopics());
    if (!existing.has(this.config.inputTopic)) {
      throw new LogpipeError('CONFIG_INVALID', `the input topic ${this.config.inputTopic} does not exist (create it with the pipeline's topics first)`);
    }
    const metadata = await admin.fetchTopicMetadata({ topics: [this.config.inputTopic] });
    const inputPartitions = metadata.topics[0]?.partitions.length ?? 1;
    const internalPartitions = this.config.internalPartitions ?? inputPartitions;
    const missing = [
      { topic: names.partialsTopic, numPartitions: internalPartitions, replicationFactor: -1, configEntries: [{ name: 'retention.ms', value: String(7 * 24 * 3_600_000) }] },
      {
        topic: names.stateTopic,
        numPartitions: internalPartitions,
        replicationFactor: -1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: String(10 * 60_000) },
          { name: 'min.cleanable.dirty.ratio', value: '0.1' },
        ],
      },
    ].filter((t) => !existing.has(t.topic));
    await createTopicsAndWait(admin, missing, this.deps.logger);
    const internal = await admin.fetchTopicMetadata({ topics: [names.partialsTopic, names.stateTopic] });
    const counts = [names.partialsTopic, names.stateTopic].map((name) => internal.topics.find((t) => t.name === name)?.partitions.length);
    if (counts[0] !== counts[1]) {
      throw new LogpipeError('CONFIG_INVALID', `${names.partialsTopic} has ${counts[0]} partitions but ${names.stateTopic} has ${counts[1]}: the changelog must match the partials topic partition for partition`);
    }
    return { inputPartitions, internalPartitions: counts[0] ?? internalPartitions };
  }
}
