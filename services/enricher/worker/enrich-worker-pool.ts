import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KafkaMessage } from 'kafkajs';
import type { OutputMessage } from '../../../lib/dead-letter';
import { LogpipeError } from '../../../lib/errors';
import type { Logger } from '../../../lib/telemetry';
import type { ProcessOutcome } from '../record-processor';
import type { EnrichWorkerData } from './enrich-worker';
import { OUTCOME_CODES, packValues, transferList, unpackValues, type EnrichReply, type EnrichRequest } from './record-transfer';

type Results = Array<{ message: OutputMessage; outcome: ProcessOutcome }>;

interface Pending {
  readonly messages: readonly KafkaMessage[];
  readonly resolve: (results: Results) => void;
  readonly reject: (err: Error) => void;
}

/**
 * A worker running the compiled script beside this file (`node dist/...`). From sources under
 * tsx (bench, `npm start`), the TypeScript one through tsx's require hook: a worker does not
 * inherit tsx's loader. Under ts-jest, which has neither, the build's copy (`npm test` builds first).
 */
function startWorker(workerData: EnrichWorkerData): Worker {
  const js = path.join(__dirname, 'enrich-worker.js');
  if (fs.existsSync(js)) return new Worker(js, { workerData });
  const ts = path.join(__dirname, 'enrich-worker.ts');
  const underTsx = process.execArgv.some((a) => a.includes('tsx'));
  if (underTsx && fs.existsSync(ts)) {
    return new Worker(`require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(ts)});`, { eval: true, workerData });
  }
  return new Worker(path.resolve(__dirname, '../../../dist/services/enricher/worker/enrich-worker.js'), { workerData });
}

/**
 * Enrichment on worker threads, so the main thread keeps fetching and producing meanwhile:
 * on two cores the enricher otherwise saturates one and leaves the other to Kafka. Batches of a
 * partition always go to the same worker, in order. A worker that fails takes the service down
 * (every later batch is refused): its supervisor restarts it, the batch is processed again.
 */
export class EnrichWorkerPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: LogpipeError | undefined;
  private closing = false;

  constructor(
    count: number,
    data: EnrichWorkerData,
    private readonly topics: { readonly outputTopic: string; readonly dlqTopic: string },
    private readonly logger: Logger,
  ) {
    this.workers = Array.from({ length: count }, (_, index) => {
      const worker = startWorker(data);
      worker.on('message', (reply: EnrichReply) => this.answered(reply));
      worker.on('error', (err) => this.failed(new LogpipeError('ENRICH_UNEXPECTED', `enrichment worker ${index} failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => {
        if (!this.closing) this.failed(new LogpipeError('ENRICH_UNEXPECTED', `enrichment worker ${index} exited with code ${code}`));
      });
      return worker;
    });
  }

  /** Set once a worker failed: the service must stop (kafkajs would only retry the batch, forever). */
  get error(): LogpipeError | undefined {
    return this.closing ? undefined : this.failure;
  }

  /** The outputs of `messages` (one partition batch), in their order. */
  process(messages: readonly KafkaMessage[], source: { readonly topic: string; readonly partition: number }): Promise<Results> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const values = packValues(messages.map((m) => m.value));
    const request: EnrichRequest = { id, topic: source.topic, partition: source.partition, offsets: messages.map((m) => m.offset), values };
    return new Promise<Results>((resolve, reject) => {
      this.pending.set(id, { messages, resolve, reject });
      (this.workers[source.partition % this.workers.length] as Worker).postMessage(request, transferList(values));
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.failed(new LogpipeError('ENRICH_UNEXPECTED', 'the enrichment workers were stopped'));
  }

  private answered(reply: EnrichReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) {
      pending.reject(new LogpipeError('ENRICH_UNEXPECTED', `enrichment worker: ${reply.error}`));
      return;
    }
    const outputs = unpackValues(reply.outputs);
    const headers = new Map(reply.deadLetterHeaders);
    const results: Results = pending.messages.map((m, i) => {
      const outcome = OUTCOME_CODES[reply.outcomes[i] as number] as ProcessOutcome;
      const message: OutputMessage =
        outcome === 'dead_lettered'
          ? { topic: this.topics.dlqTopic, key: m.key, value: m.value ?? Buffer.alloc(0), headers: headers.get(i) ?? {} }
          : { topic: this.topics.outputTopic, key: m.key, value: outputs[i] as Buffer };
      return { message, outcome };
    });
    pending.resolve(results);
  }

  private failed(err: LogpipeError): void {
    if (this.failure === undefined && !this.closing) this.logger.error({ err: { name: err.name, message: err.message } }, 'Enrichment worker failed; the enricher stops');
    this.failure ??= err;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(this.failure);
    }
  }
}
