import { compactContext, formatLine, isoMicros, lineFields, logfmt } from '../../../../services/sink-loki/line-format';
import { AvroCodec } from '../../../../lib/codec';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../../services/enricher/enriched-record';
import { enrichedRecord } from './enriched-record-fixture';

describe('line format', () => {
  it('writes the record as JSON: time, level, message, context as the record has it, enrichments; no labels, ids or arrival fields', () => {
    const line = formatLine(enrichedRecord(), 'json');
    expect(line).toBe(
      '{"timestamp":"2026-11-20T10:00:00.123456Z","level":"ERROR","message":"disk full on volume vol-3","version":"1.0.0",' +
        '"context":{"volume":"vol-3","usage_percent":99.5,"nested":{"z":1,"a":[1,"two"]}},' +
        '"size_bytes":1024,"size_category":"small","client_ip":"81.2.69.142","ip_class":"public",' +
        '"geo":{"country_iso":"GB","country_name":"United Kingdom","lat":51.5,"lon":-0.09},' +
        '"user_agent":{"browser":"Chrome","browser_version":"126.0","device_type":"desktop"},"usage_percent":99.5,"error_type":"disk_full"}',
    );
    // The text is JSON that says the same as the fields do.
    expect(JSON.parse(line)).toEqual(lineFields(enrichedRecord()));
  });

  it('writes valid JSON for a record as Avro decodes it (class instances with prototype methods)', () => {
    const codec = new AvroCodec();
    const decoded = codec.decode<EnrichedRecord>(codec.encode(ENRICHED_RECORD_SCHEMA, enrichedRecord()), ENRICHED_RECORD_SCHEMA).value;
    const line = formatLine(decoded, 'json');
    expect(line).toBe(formatLine(enrichedRecord(), 'json'));
    expect(JSON.parse(line)).toEqual(lineFields(enrichedRecord()));
    expect(formatLine(decoded, 'logfmt')).toBe(formatLine(enrichedRecord(), 'logfmt'));
  });

  it('escapes the message and compacts a context that spans lines', () => {
    const line = formatLine(enrichedRecord({ message: 'quote " backslash \\ newline \n tab \t 🚀', context: '{\n  "a": 1,\n  "b": "x"\n}' }), 'json');
    expect(line).toContain('"message":"quote \\" backslash \\\\ newline \\n tab \\t 🚀","version"');
    expect(line).toContain('"context":{"a":1,"b":"x"}');
    expect(line).not.toMatch(/[\n\r]/);
    expect(JSON.parse(line).message).toBe('quote " backslash \\ newline \n tab \t 🚀');
  });

  it.each([
    ['{}', undefined],
    ['', undefined],
    ['{"a":1}', '{"a":1}'],
    ['{\n}', undefined],
    ['{\r\n "b" : [1, 2]\r\n}', '{"b":[1,2]}'],
  ])('context %j -> %j', (text, out) => {
    expect(compactContext(text)).toBe(out);
  });

  it('writes logfmt with dotted keys and quotes only where needed', () => {
    expect(formatLine(enrichedRecord({ context: '{"b":"x y","a":{"k":true},"e":"","q":"say \\"hi\\""}', geo: null, user_agent: null, tags: ['t1', 't2'] }), 'logfmt')).toBe(
      'timestamp=2026-11-20T10:00:00.123456Z level=ERROR message="disk full on volume vol-3" version=1.0.0 ' +
        'context.b="x y" context.a.k=true context.e="" context.q="say \\"hi\\"" ' +
        'size_bytes=1024 size_category=small client_ip=81.2.69.142 ip_class=public usage_percent=99.5 error_type=disk_full tags="[\\"t1\\",\\"t2\\"]"',
    );
    expect(logfmt({ 'bad key=': 'v', n: null, nl: 'a\nb' })).toBe('bad_key_=v n="" nl="a\\nb"');
  });

  it.each(['json', 'logfmt'] as const)('is byte-identical on replay (%s): re-enrichment (arrival time, instance) does not change it', (format) => {
    const first = enrichedRecord();
    const replayed = enrichedRecord({
      enriched_at: first.enriched_at + 3_600_000_000,
      enricher_instance: 'enricher-7',
    });
    expect(formatLine(replayed, format)).toBe(formatLine(first, format));
    expect(formatLine(enrichedRecord({ message: 'other' }), format)).not.toBe(formatLine(first, format));
  });

  it('leaves out null and empty values', () => {
    const fields = lineFields(enrichedRecord({ version: null, context: '{}', geo: null, user_agent: { browser: null, browser_version: null, os: null, os_version: null, device_type: 'other' }, size_bytes: null, size_category: null, client_ip: null, ip_class: null, usage_percent: null, error_type: null }));
    expect(fields).toEqual({ timestamp: '2026-11-20T10:00:00.123456Z', level: 'ERROR', message: 'disk full on volume vol-3', user_agent: { device_type: 'other' } });
  });

  it.each([
    [Date.parse('2026-11-20T10:00:00Z') * 1000, '2026-11-20T10:00:00.000000Z'],
    [Date.parse('2026-11-20T10:00:00.999Z') * 1000 + 999, '2026-11-20T10:00:00.999999Z'],
    [1, '1970-01-01T00:00:00.000001Z'],
  ])('writes %i µs as %s', (micros, iso) => {
    expect(isoMicros(micros)).toBe(iso);
  });
});
