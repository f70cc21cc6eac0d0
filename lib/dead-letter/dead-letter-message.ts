import type { IHeaders } from 'kafkajs';

/** Where a record came from: the coordinates a dead-letter record points back to. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A record to produce; `key` and `headers` as kafkajs takes them. */
export interface OutputMessage<V extends Buffer | null = Buffer> {
  readonly topic: string;
  readonly key: Buffer | string | null;
  /** null (where allowed): a tombstone, deleting the key from a compacted topic. */
  readonly value: V;
  readonly headers?: IHeaders;
  /** Explicit partition (a changelog written partition for partition); otherwise by key. */
  readonly partition?: number;
}

/** Header names of a dead-letter record; `logpipe dlq` reads them back. */
export const DLQ_HEADERS = {
  stage: 'logpipe.dlq.stage',
  code: 'logpipe.dlq.code',
  reason: 'logpipe.dlq.reason',
  field: 'logpipe.dlq.field',
  sourceTopic: 'logpipe.dlq.source.topic',
  sourcePartition: 'logpipe.dlq.source.partition',
  sourceOffset: 'logpipe.dlq.source.offset',
  time: 'logpipe.dlq.time',
  instance: 'logpipe.dlq.instance',
} as const;

export type DeadLetterStage = 'decode' | 'validate' | 'enrich' | 'sink-es' | 'sink-loki' | 'analyzer';

export interface DeadLetterReason {
  readonly stage: DeadLetterStage;
  readonly code: string;
  /** A sentence naming the field, the value and what was expected. */
  readonly reason: string;
  readonly field?: string | undefined;
}

/**
 * The dead-letter record for a record that cannot go on: the original key and bytes,
 * untouched (so a fixed record can be re-published as it was), and the why in headers.
 */
export function deadLetterMessage(
  dlqTopic: string,
  original: { readonly key: Buffer | null; readonly value: Buffer | null },
  source: SourcePosition,
  why: DeadLetterReason,
  instanceId: string,
  now: Date = new Date(),
): OutputMessage {
  const headers: IHeaders = {
    [DLQ_HEADERS.stage]: why.stage,
    [DLQ_HEADERS.code]: why.code,
    [DLQ_HEADERS.reason]: why.reason.slice(0, 2_000),
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: source.offset,
    [DLQ_HEADERS.time]: now.toISOString(),
    [DLQ_HEADERS.instance]: instanceId,
  };
  if (why.field !== undefined) headers[DLQ_HEADERS.field] = why.field;
  return { topic: dlqTopic, key: original.key, value: original.value ?? Buffer.alloc(0), headers };
}

/** Reads the dead-letter headers of a consumed record back into plain strings. */
export function readDeadLetterHeaders(headers: IHeaders | undefined): Record<keyof typeof DLQ_HEADERS, string | undefined> {
  const text = (name: string): string | undefined => {
    const v = headers?.[name];
    const one = Array.isArray(v) ? v[0] : v;
    return one === undefined ? undefined : one.toString();
  };
  return Object.fromEntries(Object.entries(DLQ_HEADERS).map(([k, name]) => [k, text(name)])) as Record<keyof typeof DLQ_HEADERS, string | undefined>;
}
