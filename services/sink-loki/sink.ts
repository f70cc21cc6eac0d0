import { compress } from 'snappy';
import type { AvroCodec } from '../../lib/codec';
import { deadLetterMessage, type OutputMessage } from '../../lib/dead-letter';
import { isLogpipeError } from '../../lib/errors';
import type { SinkBatchContext, SinkBatchResult, SinkInput } from '../../lib/runner/sink-loop';
import { sleepWithHeartbeats } from '../../lib/runner/sleep-with-heartbeats';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../enricher/enriched-record';
import { withoutAlreadyPushed } from './already-pushed';
import type { SinkLokiConfig } from './config';
import { EntryEncoder, type LokiEntry } from './encoder';
import { PushClient, type PushOutcome } from './push-client';
import { LokiQueryClient } from './query-client';
import { encodePush, type SnappyCompress } from './push-encoder';
import { buildPushBatches, splitBatch, type PushBatch } from './request-builder';
import { classify, lokiReason, parseRetryAfterMs, retryDelayMs, type PushVerdict } from './retry';
import type { SinkLokiTelemetry } from './sink-loki-telemetry';

/** Async snappy runs on libuv's pool, so compressing one batch does not stall the other partition's. */
const snappy: SnappyCompress = (raw) => compress(raw);

interface SendResult {
  readonly verdict: PushVerdict;
  readonly status: number | undefined;
  readonly body: string;
  readonly retryAfterMs: number | undefined;
}

/**
 * The Loki sink, top to bottom: decode -> entry (stream labels, line, structured metadata,
 * event time in ns) -> push requests grouped per stream, bounded by bytes -> encode
 * (protobuf + snappy, or JSON) -> send -> verdict: halve on 400 until the refused entries are
 * alone and dead-letter those, retry the transient and the misconfigured with back-off ->
 * return once every entry is acknowledged or dead-lettered.
 */
export class LokiSink {
  private readonly client: PushClient;
  private readonly queries: LokiQueryClient;
  private readonly entries: EntryEncoder;

  constructor(
    private readonly config: SinkLokiConfig,
    private readonly codec: AvroCodec,
    private readonly telemetry: SinkLokiTelemetry,
    private readonly compressor: SnappyCompress = snappy,
  ) {
    this.client = new PushClient(config.loki, config.maxInFlight, config.requestTimeoutMs);
    this.queries = new LokiQueryClient(config.loki);
    this.entries = new EntryEncoder({ job: config.job, lineFormat: config.lineFormat, maxLabelValueBytes: config.maxLabelValueBytes });
  }

  async close(): Promise<void> {
    await this.client.close();
    await this.queries.close();
  }

  async writeBatch(inputs: readonly SinkInput[], heartbeat: () => Promise<void>, context: SinkBatchContext = { firstSinceAssignment: false }): Promise<SinkBatchResult> {
    const deadLetters: OutputMessage[] = [];
    const entries: LokiEntry[] = [];
    inputs.forEach((input, i) => {
      try {
        if (input.value === null) throw new Error('record has no value (a tombstone)');
        entries.push(this.entries.encode(i, this.codec.decode<EnrichedRecord>(input.value, ENRICHED_RECORD_SCHEMA).value));
      } catch (err) {
        const code = isLogpipeError(err) ? err.code : 'CODEC_INVALID_BODY';
        deadLetters.push(this.deadLetter(input, code, err instanceof Error ? err.message : String(err)));
      }
    });

    const toPush = context.firstSinceAssignment ? await this.notYetPushed(entries, heartbeat) : entries;
    let pending = buildPushBatches(toPush, this.config.maxBatchBytes);
    const rejected: Array<{ inputIndex: number; message: OutputMessage }> = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: PushBatch[] = [];
      let cause = '';
      let retryAfterMs: number | undefined;
      // Up to maxInFlight requests of the batch at once, taken in order; a refused request's
      // halves go to the front, so a bisection finishes before the rest.
      const work = [...pending];
      const worker = async (): Promise<void> => {
        for (let batch = work.shift(); batch !== undefined; batch = work.shift()) {
          const result = await this.send(batch);
          switch (result.verdict) {
            case 'ok':
              break;
            case 'split':
              this.telemetry.split(batch.entries.length, result.status ?? 0, result.body);
              work.unshift(...splitBatch(batch));
              break;
            case 'dead-letter': {
              const { inputIndex } = batch.entries[0] as LokiEntry;
              const input = inputs[inputIndex] as SinkInput;
              const reason = lokiReason(result.status ?? 0, result.body);
              this.telemetry.entryRejected(reason, input.source);
              rejected.push({ inputIndex, message: this.deadLetter(input, 'LOKISINK_REJECTED', reason) });
              break;
            }
            case 'request-failed':
            case 'retry':
              // A misconfiguration is retried like a transient failure, only louder: fixing it resumes the sink.
              if (result.verdict === 'request-failed') this.telemetry.requestFailed(result.status ?? 0, result.body, batch.entries.length);
              retry.push(batch);
              cause = result.status === undefined ? 'unreachable' : `http_${result.status}`;
              if (result.retryAfterMs !== undefined) retryAfterMs = Math.max(retryAfterMs ?? 0, result.retryAfterMs);
              break;
          }
          await heartbeat();
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.maxInFlight, work.length) }, worker));
      if (retry.length === 0) break;
      const delayMs = retryDelayMs(attempt, this.config.retryInitialMs, this.config.retryMaxMs, retryAfterMs);
      this.telemetry.retrying(attempt, retry.reduce((n, b) => n + b.entries.length, 0), delayMs, cause, retryAfterMs);
      await sleepWithHeartbeats(delayMs, heartbeat);
      pending = retry;
    }
    // In input order, whatever order the concurrent requests finished in.
    rejected.sort((a, b) => a.inputIndex - b.inputIndex);
    return { deadLetters: [...deadLetters, ...rejected.map((r) => r.message)] };
  }

  /** A partition's first batch after a join: leaves out what its previous holder already pushed. */
  private async notYetPushed(entries: LokiEntry[], heartbeat: () => Promise<void>): Promise<LokiEntry[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const checked = await withoutAlreadyPushed(this.queries, entries);
        this.telemetry.takeoverChecked(entries.length, checked.present, checked.complete);
        return checked.entries;
      } catch (err) {
        const delayMs = retryDelayMs(attempt, this.config.retryInitialMs, this.config.retryMaxMs, undefined);
        this.telemetry.takeoverCheckFailed(attempt, entries.length, delayMs, err instanceof Error ? err.message : String(err));
        await sleepWithHeartbeats(delayMs, heartbeat);
      }
    }
  }

  private async send(batch: PushBatch): Promise<SendResult> {
    const encoded = await encodePush(batch, this.config.pushFormat, this.compressor);
    const started = process.hrtime.bigint();
    const outcome: PushOutcome = await this.client.push(encoded);
    const status = outcome.kind === 'response' ? outcome.status : undefined;
    this.telemetry.pushAnswered(status, batch.entries.length, encoded.rawBytes, encoded.body.length, Number(process.hrtime.bigint() - started) / 1e9);
    return {
      verdict: classify(status, batch.entries.length),
      status,
      body: outcome.kind === 'response' ? outcome.body : outcome.error,
      retryAfterMs: outcome.kind === 'response' ? parseRetryAfterMs(outcome.retryAfter) : undefined,
    };
  }

  private deadLetter(input: SinkInput, code: string, reason: string): OutputMessage {
    return deadLetterMessage(this.config.dlqTopic, { key: input.key, value: input.value }, input.source, { stage: 'sink-loki', code, reason }, `sink-loki:${this.config.groupId}`);
  }
}
