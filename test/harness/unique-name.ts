import crypto from 'node:crypto';

/**
 * A name no other test (nor an earlier run) uses, valid as a Kafka topic, an Elasticsearch
 * index (lowercase) and a Loki label value: `<prefix>-<epoch seconds>-<8 hex>`.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Math.floor(Date.now() / 1000)}-${crypto.randomBytes(4).toString('hex')}`.toLowerCase();
}
