import { nanosText, structuredMetadataOf, toLokiEntry } from '../../../../services/sink-loki/encoder';
import { enrichedRecord } from './enriched-record-fixture';

const options = { job: 'dfs', lineFormat: 'json' as const, maxLabelValueBytes: 1024 };

describe('record -> Loki entry', () => {
  it('labels the stream with job, service, node_id, component and level only', () => {
    const entry = toLokiEntry(7, enrichedRecord(), options);
    expect(entry.inputIndex).toBe(7);
    expect(entry.stream).toBe('{component="storage", job="dfs", level="ERROR", node_id="node-3", service="storage-node"}');
    expect(entry.labels.map((l) => l.name)).toEqual(['component', 'job', 'level', 'node_id', 'service']);
  });

  it('puts log_id, trace_id and span_id in structured metadata, leaving out the unset', () => {
    expect(toLokiEntry(0, enrichedRecord(), options).metadata).toEqual([
      { name: 'log_id', value: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' },
      { name: 'trace_id', value: '9cda5bb7feba4c018d5847896c2facc0' },
      { name: 'span_id', value: '5847896c2facc001' },
    ]);
    expect(structuredMetadataOf(enrichedRecord({ trace_id: null, span_id: '' }))).toEqual([{ name: 'log_id', value: 'b4a8d80e-4ec6-425b-807d-9ac99158d677' }]);
  });

  it('turns event-time microseconds into seconds and nanoseconds, exactly', () => {
    const micros = Date.parse('2026-11-20T10:00:00Z') * 1000 + 123_456;
    const entry = toLokiEntry(0, enrichedRecord({ timestamp: micros }), options);
    expect([entry.seconds, entry.nanos]).toEqual([Date.parse('2026-11-20T10:00:00Z') / 1000, 123_456_000]);
    expect(nanosText(entry.seconds, entry.nanos)).toBe(`${micros}000`);
    expect(nanosText(0, 5)).toBe('5');
    expect(nanosText(1, 5)).toBe('1000000005');
  });

  it('counts line and metadata bytes', () => {
    const entry = toLokiEntry(0, enrichedRecord(), options);
    expect(entry.bytes).toBeGreaterThan(Buffer.byteLength(entry.line));
    expect(entry.bytes).toBeLessThan(Buffer.byteLength(entry.line) + 200);
  });

  it('sanitizes label values from the record', () => {
    const entry = toLokiEntry(0, enrichedRecord({ node_id: 'n'.repeat(3000), component: '' }), { ...options, maxLabelValueBytes: 64 });
    expect(entry.labels.find((l) => l.name === 'node_id')?.value).toBe('n'.repeat(64));
    expect(entry.labels.some((l) => l.name === 'component')).toBe(false);
  });
});
