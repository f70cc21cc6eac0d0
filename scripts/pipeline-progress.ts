import { Kafka, logLevel } from 'kafkajs';

/** Where `npm start` reads the pipeline's progress from. */
export interface ProgressSources {
  readonly brokers: readonly string[];
  readonly esUrl: string;
  readonly lokiUrl: string;
  /** Metrics endpoints of the services, by service name. */
  readonly metrics: Readonly<Record<'enricher' | 'analyzer', string>>;
}

export interface Progress {
  produced: number;
  enriched: number;
  deadLettered: number;
  inElasticsearch: number;
  inLoki: number;
  alertsFired: number;
}

/** Sum of a Prometheus counter's samples whose labels contain `labels`. */
export function counterSum(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0;
  }
  return sum;
}

async function text(url: string, init?: RequestInit): Promise<string | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(800) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** One look at every stage; a stage that does not answer keeps its previous figure. */
export class ProgressReader {
  private readonly kafka;
  private last: Progress = { produced: 0, enriched: 0, deadLettered: 0, inElasticsearch: 0, inLoki: 0, alertsFired: 0 };

  constructor(private readonly sources: ProgressSources) {
    this.kafka = new Kafka({ clientId: 'logpipe-progress', brokers: [...sources.brokers], logLevel: logLevel.NOTHING });
  }

  async read(): Promise<Progress> {
    const next = { ...this.last };
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      // logs.raw is written without transactions: its end offsets count the records exactly.
      next.produced = (await admin.fetchTopicOffsets('logs.raw')).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    } catch {
      /* keep the previous figure */
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const enricher = await text(`${this.sources.metrics.enricher}/metrics`);
    if (enricher !== undefined) {
      next.enriched = counterSum(enricher, 'logpipe_enricher_records_total', { outcome: 'enriched' });
      next.deadLettered = counterSum(enricher, 'logpipe_enricher_records_total', { outcome: 'dead_lettered' });
    }
    const analyzer = await text(`${this.sources.metrics.analyzer}/metrics`);
    if (analyzer !== undefined) next.alertsFired = counterSum(analyzer, 'logpipe_analyzer_alerts_total', { status: 'FIRING' });
    const es = await text(`${this.sources.esUrl}/dfs-logs-*/_count`);
    if (es !== undefined) next.inElasticsearch = (JSON.parse(es) as { count?: number }).count ?? next.inElasticsearch;
    const query = new URLSearchParams({ query: 'sum(count_over_time({job="dfs"}[7d]))' });
    const loki = await text(`${this.sources.lokiUrl}/loki/api/v1/query?${query}`);
    if (loki !== undefined) {
      const value = (JSON.parse(loki) as { data?: { result?: Array<{ value?: [number, string] }> } }).data?.result?.[0]?.value?.[1];
      if (value !== undefined) next.inLoki = Number(value);
    }
    this.last = next;
    return next;
  }
}

export function progressLine(p: Progress, seconds: number): string {
  const n = (v: number) => v.toLocaleString('en-US');
  return `[${String(Math.round(seconds)).padStart(4)} s] produced ${n(p.produced)} | enriched ${n(p.enriched)} | dead-lettered ${n(p.deadLettered)} | in Elasticsearch ${n(p.inElasticsearch)} | in Loki ${n(p.inLoki)} | alerts fired ${n(p.alertsFired)}`;
}
