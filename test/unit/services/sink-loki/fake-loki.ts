import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompressSync } from 'snappy';
import { decodePushProtobuf } from '../../../../services/sink-loki/push-encoder';

/** One entry as a push carried it. */
export interface PushedEntry {
  readonly stream: string;
  readonly ns: string;
  readonly line: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface FakeAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An HTTP server that reads Loki push bodies (protobuf + snappy, or JSON) for unit tests of
 * the sink's request logic. Like Loki, a 400 still stores the valid entries of the request,
 * and identical entries are kept once. `answer` decides each response.
 */
export class FakeLoki {
  readonly requests: Array<{ path: string; headers: http.IncomingHttpHeaders; entries: PushedEntry[] }> = [];
  readonly stored = new Map<string, PushedEntry>();
  answer: (entries: readonly PushedEntry[], requestNumber: number) => FakeAnswer = rejectMarked;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entries = req.headers['content-type'] === 'application/json' ? fromJson(body) : fromProtobuf(body);
      this.requests.push({ path: req.url ?? '', headers: req.headers, entries });
      const answer = this.answer(entries, this.requests.length);
      if (answer.status < 300 || answer.status === 400) {
        for (const e of entries) if (!e.line.includes('REJECT')) this.stored.set(`${e.stream}|${e.ns}|${e.line}|${JSON.stringify(e.metadata)}`, e);
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Loki's behaviour for invalid entries: 400 naming them, the rest stored. */
export function rejectMarked(entries: readonly PushedEntry[]): FakeAnswer {
  const bad = entries.filter((e) => e.line.includes('REJECT'));
  if (bad.length === 0) return { status: 204 };
  return { status: 400, body: bad.map((e) => `max entry size '262144' bytes exceeded for stream '${e.stream}' while adding an entry with length '300000' bytes`).join('\n') + '\n' };
}

function fromProtobuf(body: Buffer): PushedEntry[] {
  const decoded = decodePushProtobuf(uncompressSync(body, { asBuffer: true }) as Buffer);
  return decoded.streams.flatMap((s) =>
    s.entries.map((e) => ({
      stream: s.labels,
      ns: (BigInt(e.timestamp.seconds) * 1_000_000_000n + BigInt(e.timestamp.nanos)).toString(),
      line: e.line,
      metadata: Object.fromEntries(e.structuredMetadata.map((m) => [m.name, m.value])),
    })),
  );
}

function fromJson(body: Buffer): PushedEntry[] {
  const parsed = JSON.parse(body.toString()) as { streams: Array<{ stream: Record<string, string>; values: Array<[string, string, Record<string, string>?]> }> };
  return parsed.streams.flatMap((s) => {
    const stream = `{${Object.entries(s.stream)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')}}`;
    return s.values.map(([ns, line, metadata]) => ({ stream, ns, line, metadata: metadata ?? {} }));
  });
}
