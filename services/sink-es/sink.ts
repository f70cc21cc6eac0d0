import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import type { AvroCodec } from '../../lib/codec';
import { deadLetterMessage, type OutputMessage } from '../../lib/dead-letter';
import { isLogpipeError } from '../../lib/errors';
import type { SinkBatchResult, SinkInput } from '../../lib/runner/sink-loop';
import { sleepWithHeartbeats } from '../../lib/runner/sleep-with-heartbeats';
import type { Logger } from '../../lib/telemetry';
import { counter, histogram, type Registry } from '../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../enricher/enriched-record';
import type { SinkEsConfig } from './config';
import { indexNameFor, toDocument } from './encoder';
import { indexTemplate } from './index-template';
import { buildBulkRequests, bulkItem, type BulkItem, type BulkRequest } from './request-builder';
import { backoffMs, classifyItem, classifyResponse } from './retry';
import { BulkService } from './service';

/** A bulk request and what became of its documents. */
interface Sent {
  readonly request: BulkRequest;
  readonly outcome: { readonly retry: BulkItem[]; readonly refused: Array<{ inputIndex: number; reason: string }>; readonly cause: string };
}

/**
 * The Elasticsearch sink, top to bottom: decode -> document (`_id` = log_id, daily index by
 * event time) -> bulk requests -> send -> per-item verdict -> retry the transient, dead-letter
 * the refused -> return once everything is acknowledged.
 */
export class ElasticsearchSink {
  private readonly bulk: BulkService;
  private readonly client: Client;
  private readonly retries;
  private readonly bulkSeconds;
  private readonly bulkDocs;

  constructor(
    private readonly config: SinkEsConfig,
    private readonly codec: AvroCodec,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.bulk = new BulkService(config.elasticsearch, config.maxInFlight);
    const { url, username, password, apiKey, rejectUnauthorized } = config.elasticsearch;
    this.client = new Client({
      node: url,
      ...(apiKey !== undefined ? { auth: { apiKey } } : username !== undefined ? { auth: { username, password: password ?? '' } } : {}),
      tls: { rejectUnauthorized },
    });
    this.retries = counter(registry, 'logpipe_sink_es_retries_total', 'Documents sent again after a transient failure, by cause.', ['cause']);
    this.bulkSeconds = histogram(registry, 'logpipe_sink_es_bulk_duration_seconds', 'Bulk requests from being queued for a connection to the response.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
    this.bulkDocs = histogram(registry, 'logpipe_sink_es_bulk_documents', 'Documents per bulk request.', [1, 10, 50, 100, 250, 500, 1000, 2000, 5000]);
  }

  /** Installs or updates the index template; waits (with back-off) for Elasticsearch to answer. */
  async installTemplate(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.indices.putIndexTemplate(indexTemplate(this.config));
        this.logger.info({ template: this.config.indexPrefix }, 'Index template installed');
        return;
      } catch (err) {
        const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
        if (status !== undefined && status >= 400 && status < 500 && status !== 429) throw err;
        const delayMs = backoffMs(attempt, this.config.retryInitialMs, this.config.retryMaxMs);
        this.logger.warn({ attempt, delayMs, err: (err as Error).message }, 'Elasticsearch not reachable for the index template yet; retrying');
        await sleep(delayMs);
      }
    }
  }

  async close(): Promise<void> {
    await this.bulk.close();
    await this.client.close();
  }

  async writeBatch(inputs: readonly SinkInput[], heartbeat: () => Promise<void>): Promise<SinkBatchResult> {
    const deadLetters: OutputMessage[] = [];
    const { maxBulkDocs } = this.config;
    const firstTry: Array<Promise<Sent>> = [];
    for (let from = 0; from < inputs.length; from += maxBulkDocs) {
      const items = this.toBulkItems(inputs, from, Math.min(inputs.length, from + maxBulkDocs), deadLetters);
      for (const request of buildBulkRequests(items, maxBulkDocs, this.config.maxBulkBytes)) firstTry.push(this.sendRequest(request));
      // The pool sends up to maxInFlight requests; yielding lets them go out while the next are built.
      await new Promise((resolve) => setImmediate(resolve));
    }
    let sent = await Promise.all(firstTry);
    let maxBytes = this.config.maxBulkBytes;
    for (let attempt = 1; ; attempt++) {
      const retry: BulkItem[] = [];
      let cause = '';
      for (const { request, outcome } of sent) {
        if (outcome.retry.length > 0) cause = outcome.cause;
        // 413: the node's http.max_content_length is below our request; halve until it fits.
        if (outcome.cause === 'http_413') maxBytes = Math.min(maxBytes, Math.max(1, Math.floor(request.bytes / 2)));
        retry.push(...outcome.retry);
        for (const refused of outcome.refused) deadLetters.push(this.deadLetter(inputs[refused.inputIndex] as SinkInput, { code: 'ESSINK_REJECTED', reason: refused.reason }));
      }
      if (retry.length === 0) break;
      const delayMs = backoffMs(attempt, this.config.retryInitialMs, this.config.retryMaxMs);
      this.retries.inc({ cause }, retry.length);
      (attempt >= 5 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))(
        { attempt, documents: retry.length, delayMs, cause },
        'Elasticsearch did not take every document; retrying them (the partition waits, nothing is skipped)',
      );
      await sleepWithHeartbeats(delayMs, heartbeat);
      sent = await Promise.all(buildBulkRequests(retry, maxBulkDocs, maxBytes).map((request) => this.sendRequest(request)));
    }
    return { deadLetters };
  }

  /** Decodes inputs [from, to) into bulk items; a record that cannot be decoded becomes a dead letter. */
  private toBulkItems(inputs: readonly SinkInput[], from: number, to: number, deadLetters: OutputMessage[]): BulkItem[] {
    const items: BulkItem[] = [];
    for (let i = from; i < to; i++) {
      const input = inputs[i] as SinkInput;
      try {
        if (input.value === null) throw new Error('record has no value (a tombstone)');
        const record = this.codec.decode<EnrichedRecord>(input.value, ENRICHED_RECORD_SCHEMA).value;
        items.push(bulkItem(i, indexNameFor(this.config.indexPrefix, record.timestamp), record.log_id, toDocument(record)));
      } catch (err) {
        const code = isLogpipeError(err) ? err.code : 'CODEC_INVALID_BODY';
        deadLetters.push(this.deadLetter(input, { code, reason: err instanceof Error ? err.message : String(err) }));
      }
    }
    return items;
  }

  private async sendRequest(request: BulkRequest): Promise<Sent> {
    return { request, outcome: await this.send(request) };
  }

  private async send(request: BulkRequest): Promise<{ retry: BulkItem[]; refused: Array<{ inputIndex: number; reason: string }>; cause: string }> {
    const started = process.hrtime.bigint();
    const outcome = await this.bulk.send(request.body);
    this.bulkSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.bulkDocs.observe(request.items.length);
    const status = outcome.kind === 'unreachable' ? undefined : outcome.status;
    switch (classifyResponse(status)) {
      case 'items': {
        if (outcome.kind !== 'response') return { retry: [...request.items], refused: [], cause: 'unexpected_response' };
        const retry: BulkItem[] = [];
        const refused: Array<{ inputIndex: number; reason: string }> = [];
        request.items.forEach((item, i) => {
          const result = outcome.items[i];
          const verdict = result === undefined ? 'retry' : classifyItem(result.status);
          if (verdict === 'retry') retry.push(item);
          else if (verdict === 'dead-letter') refused.push({ inputIndex: item.inputIndex, reason: esReason(result?.status, result?.error) });
        });
        return { retry, refused, cause: 'item_status' };
      }
      case 'split':
        if (request.items.length > 1) return { retry: [...request.items], refused: [], cause: 'http_413' };
        return { retry: [], refused: [{ inputIndex: (request.items[0] as BulkItem).inputIndex, reason: 'document larger than http.max_content_length (413)' }], cause: '' };
      case 'fail':
        this.logger.error({ status, body: outcome.kind === 'status' ? outcome.body : undefined }, 'Elasticsearch refused the whole bulk request; retrying (check credentials and index state)');
        return { retry: [...request.items], refused: [], cause: `http_${status}` };
      default:
        return { retry: [...request.items], refused: [], cause: outcome.kind === 'unreachable' ? 'unreachable' : `http_${status}` };
    }
  }

  private deadLetter(input: SinkInput, why: { code: string; reason: string }): OutputMessage {
    return deadLetterMessage(this.config.dlqTopic, { key: input.key, value: input.value }, input.source, { stage: 'sink-es', ...why }, `sink-es:${this.config.groupId}`);
  }
}

function esReason(status: number | undefined, error: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } | undefined): string {
  const cause = error?.caused_by?.reason === undefined ? '' : ` (caused by ${error.caused_by.type}: ${error.caused_by.reason})`;
  return `Elasticsearch refused the document with ${status}: ${error?.type ?? 'error'}: ${error?.reason ?? 'no reason given'}${cause}`;
}
