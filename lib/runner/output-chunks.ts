import type { Message, Transaction } from 'kafkajs';
import type { OutputMessage } from '../dead-letter';

/** An output whose value may be a tombstone. */
export type AnyOutput = OutputMessage<Buffer | null>;

/** Below the broker's message.max.bytes (1 MiB + 12), Kafka's per-record overhead counted. */
const MAX_REQUEST_BYTES = 900_000;
const RECORD_OVERHEAD_BYTES = 32;

function messageBytes(m: AnyOutput): number {
  let headers = 0;
  for (const [k, v] of Object.entries(m.headers ?? {})) headers += k.length + (v === undefined ? 0 : String(v).length) + 4;
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + headers + RECORD_OVERHEAD_BYTES;
}

function* chunkByBytes(messages: readonly AnyOutput[], maxBytes: number): Generator<AnyOutput[]> {
  let chunk: AnyOutput[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function byTopic(messages: readonly AnyOutput[]): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const m of messages) {
    const list = topics.get(m.topic) ?? [];
    const message: Message = { key: m.key, value: m.value };
    if (m.headers !== undefined) message.headers = m.headers;
    if (m.partition !== undefined) message.partition = m.partition;
    list.push(message);
    topics.set(m.topic, list);
  }
  return [...topics].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * Produces `outputs` in the transaction, in requests below the broker's size limit: outputs may
 * outgrow their input (enrichment adds fields), so one transaction may take several requests.
 */
export async function sendInChunks(transaction: Transaction, outputs: readonly AnyOutput[]): Promise<void> {
  for (const chunk of chunkByBytes(outputs, MAX_REQUEST_BYTES)) await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
}
