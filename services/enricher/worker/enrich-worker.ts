import { parentPort, workerData } from 'node:worker_threads';
import type { IHeaders } from 'kafkajs';
import { AvroCodec } from '../../../lib/codec';
import { GeoIpLookup } from '../enrichments/geoip-lookup';
import { RecordProcessor, type ProcessorSettings } from '../record-processor';
import { OUTCOME_CODES, packValues, transferList, unpackValues, type EnrichReply, type EnrichRequest } from './record-transfer';

/** What the pool hands every worker: the same GeoIP databases and settings as the service's. */
export interface EnrichWorkerData {
  readonly geoip: { readonly cityDb?: string | undefined; readonly asnDb?: string | undefined };
  readonly settings: ProcessorSettings;
}

/** Runs `RecordProcessor` over each batch posted to this thread and posts the results back. */
function serve(): void {
  const port = parentPort;
  if (port === null) throw new Error('enrich-worker: not started as a worker thread');
  const { geoip, settings } = workerData as EnrichWorkerData;
  const processor = new RecordProcessor(new AvroCodec(), GeoIpLookup.open(geoip), settings);
  port.on('message', (request: EnrichRequest) => {
    try {
      const values = unpackValues(request.values);
      const outcomes = new Uint8Array(values.length);
      const outputs: Array<Buffer | null> = new Array(values.length);
      const deadLetterHeaders: Array<readonly [number, IHeaders]> = [];
      values.forEach((value, i) => {
        const { message, outcome } = processor.process(null, value, { topic: request.topic, partition: request.partition, offset: request.offsets[i] as string });
        outcomes[i] = OUTCOME_CODES.indexOf(outcome);
        // A dead letter's value is the input's, which the main thread still holds.
        outputs[i] = outcome === 'dead_lettered' ? null : (message.value as Buffer);
        if (outcome === 'dead_lettered') deadLetterHeaders.push([i, message.headers ?? {}]);
      });
      const packed = packValues(outputs);
      const reply: EnrichReply = { id: request.id, outcomes, outputs: packed, deadLetterHeaders };
      port.postMessage(reply, [...transferList(packed), outcomes.buffer as ArrayBuffer]);
    } catch (err) {
      const reply: EnrichReply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
      port.postMessage(reply);
    }
  });
}

serve();
