import { compress, uncompressSync } from 'snappy';
import protobuf from 'protobufjs';
import { toLokiEntry } from '../../../../services/sink-loki/encoder';
import { decodePushProtobuf, encodePush, encodePushJson, encodePushProtobuf } from '../../../../services/sink-loki/push-encoder';
import { groupByStream } from '../../../../services/sink-loki/request-builder';
import { enrichedRecord } from './enriched-record-fixture';

const options = { job: 'dfs', lineFormat: 'json' as const, maxLabelValueBytes: 1024 };
const base = Date.parse('2026-11-20T10:00:00Z') * 1000;
const batch = groupByStream([
  toLokiEntry(0, enrichedRecord({ timestamp: base + 1, message: 'a' }), options),
  toLokiEntry(1, enrichedRecord({ timestamp: base + 2, message: 'b', node_id: 'node-4', trace_id: null, span_id: null }), options),
  toLokiEntry(2, enrichedRecord({ timestamp: base + 3, message: 'c ünïcödé 🚀' }), options),
]);

describe('push encoding', () => {
  it('round-trips protobuf + snappy: the body decodes back to the same streams, entries, times and metadata', async () => {
    const encoded = await encodePush(batch, 'protobuf', (raw) => compress(raw));
    expect(encoded.contentType).toBe('application/x-protobuf');
    const raw = uncompressSync(encoded.body, { asBuffer: true }) as Buffer;
    expect(raw.length).toBe(encoded.rawBytes);
    const decoded = decodePushProtobuf(raw);
    expect(decoded.streams.map((s) => s.labels)).toEqual([
      '{component="storage", job="dfs", level="ERROR", node_id="node-3", service="storage-node"}',
      '{component="storage", job="dfs", level="ERROR", node_id="node-4", service="storage-node"}',
    ]);
    const entries = decoded.streams.flatMap((s) => s.entries);
    expect(entries.map((e) => e.timestamp)).toEqual([
      { seconds: base / 1e6, nanos: 1000 },
      { seconds: base / 1e6, nanos: 3000 },
      { seconds: base / 1e6, nanos: 2000 },
    ]);
    expect(entries.map((e) => JSON.parse(e.line).message)).toEqual(['a', 'c ünïcödé 🚀', 'b']);
    expect(entries.map((e) => e.structuredMetadata)).toEqual([
      [{ name: 'log_id', value: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' }, { name: 'trace_id', value: '9cda5bb7feba4c018d5847896c2facc0' }, { name: 'span_id', value: '5847896c2facc001' }],
      [{ name: 'log_id', value: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' }, { name: 'trace_id', value: '9cda5bb7feba4c018d5847896c2facc0' }, { name: 'span_id', value: '5847896c2facc001' }],
      [{ name: 'log_id', value: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' }],
    ]);
    expect(entries.map((e) => e.line)).toEqual([batch.entries[0]?.line, batch.entries[1]?.line, batch.entries[2]?.line]);
  });

  it('puts structured metadata in EntryAdapter field 3, as Loki reads it (4 is `parsed`, query responses only)', () => {
    const raw = encodePushProtobuf(groupByStream([batch.entries[0]!]));
    const fieldsOf = (bytes: Uint8Array): Map<number, Uint8Array[]> => {
      const reader = protobuf.Reader.create(bytes);
      const fields = new Map<number, Uint8Array[]>();
      while (reader.pos < reader.len) {
        const tag = reader.uint32();
        if ((tag & 7) !== 2) {
          reader.skipType(tag & 7);
          continue;
        }
        fields.set(tag >>> 3, [...(fields.get(tag >>> 3) ?? []), reader.bytes()]);
      }
      return fields;
    };
    const stream = fieldsOf(raw).get(1)?.[0] as Uint8Array;
    const entry = fieldsOf(stream).get(2)?.[0] as Uint8Array;
    const entryFields = fieldsOf(entry);
    expect([...entryFields.keys()].sort()).toEqual([1, 2, 3]);
    expect(entryFields.get(3)?.map((pair) => [...fieldsOf(pair).values()].map(([v]) => Buffer.from(v as Uint8Array).toString()))).toEqual([
      ['log_id', 'b4a8d80e-4ec6-425b-807d-9ac99158d677'],
      ['trace_id', '9cda5bb7feba4c018d5847896c2facc0'],
      ['span_id', '5847896c2facc001'],
    ]);
  });

  it('writes the JSON push body with nanosecond strings and the metadata object as the third element', async () => {
    const body = JSON.parse(encodePushJson(batch)) as { streams: Array<{ stream: Record<string, string>; values: Array<[string, string, Record<string, string>]> }> };
    expect(body.streams[1]).toEqual({
      stream: { component: 'storage', job: 'dfs', level: 'ERROR', node_id: 'node-4', service: 'storage-node' },
      values: [[`${base + 2}000`, batch.entries[2]?.line, { log_id: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' }]],
    });
    expect(body.streams[0]?.values.map((v) => v[0])).toEqual([`${base + 1}000`, `${base + 3}000`]);
    const encoded = await encodePush(batch, 'json', () => Promise.reject(new Error('JSON is not compressed')));
    expect(encoded.contentType).toBe('application/json');
  });

  it('encodes the same batch to the same bytes every time (replays are identical pushes)', () => {
    expect(Buffer.from(encodePushProtobuf(batch)).equals(Buffer.from(encodePushProtobuf(groupByStream([...batch.entries]))))).toBe(true);
  });
});
