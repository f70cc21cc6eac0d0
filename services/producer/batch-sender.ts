import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, type Producer } from 'kafkajs';
import { isRetriableKafkaError } from '../../lib/kafka';
import type { BufferedRecord } from './record-buffer';
import type { ProducerTelemetry } from './producer-telemetry';

export interface BatchSenderOptions {
  readonly topic: string;
  readonly compression: 'none' | 'gzip';
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

export type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Sends one batch with acks=-1, retrying retriable failures with exponential back-off
 * and full jitter until it succeeds or `shouldGiveUp()` says so (close deadline passed).
 * One batch is in flight at a time, which keeps each node's records in order even
 * across retries.
 */
export class BatchSender {
  constructor(
    private readonly producer: Producer,
    private readonly options: BatchSenderOptions,
    private readonly telemetry: ProducerTelemetry,
  ) {}

  async send(batch: readonly BufferedRecord[], shouldGiveUp: () => boolean): Promise<SendOutcome> {
    for (let attempt = 1; ; attempt++) {
      const started = process.hrtime.bigint();
      try {
        await this.producer.send({
          topic: this.options.topic,
          acks: -1,
          compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          messages: batch as BufferedRecord[],
        });
        this.telemetry.batchSent(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
        return { ok: true };
      } catch (err) {
        if (isTooLarge(err) && batch.length > 1) {
          // The broker measures the compressed batch; halving always converges to sendable batches.
          const half = Math.ceil(batch.length / 2);
          const first = await this.send(batch.slice(0, half), shouldGiveUp);
          return first.ok ? this.send(batch.slice(half), shouldGiveUp) : first;
        }
        if (!isRetriableKafkaError(err) || shouldGiveUp()) return { ok: false, error: err };
        const ceiling = Math.min(this.options.retryMaxMs, this.options.retryInitialMs * 2 ** Math.min(attempt - 1, 16));
        const delayMs = Math.round(Math.random() * ceiling);
        this.telemetry.sendRetried(attempt, batch.length, delayMs, err);
        await sleep(delayMs);
      }
    }
  }
}

function isTooLarge(err: unknown): boolean {
  const e = err as { type?: string; originalError?: { type?: string } } | null;
  return e?.type === 'MESSAGE_TOO_LARGE' || e?.originalError?.type === 'MESSAGE_TOO_LARGE';
}
