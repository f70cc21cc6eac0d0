import { LABEL_NAME, labelsText, sanitizeLabelName, sanitizeLabels, sanitizeLabelValue } from '../../../../services/sink-loki/labels';

describe('label names', () => {
  it.each([
    ['node_id', 'node_id'],
    ['node-id', 'node_id'],
    ['node.id', 'node_id'],
    ['9lives', '_9lives'],
    ['__name__', '_name__'],
    ['___x', '_x'],
    ['', '_'],
    ['größe', 'gr__e'],
    ['a b=c', 'a_b_c'],
  ])('%j -> %j, which Loki accepts', (raw, clean) => {
    expect(sanitizeLabelName(raw)).toBe(clean);
    expect(LABEL_NAME.test(clean)).toBe(true);
  });
});

describe('label values', () => {
  it('keeps valid text as it is', () => {
    expect(sanitizeLabelValue('node-3 "quoted" \\ ünïcödé 🚀', 1024)).toBe('node-3 "quoted" \\ ünïcödé 🚀');
  });

  it('replaces lone surrogates (not UTF-8 encodable) with U+FFFD and keeps pairs', () => {
    expect(sanitizeLabelValue('a\uD800b\uDC00c\uD83D\uDE80', 1024)).toBe('a\uFFFDb\uFFFDc\uD83D\uDE80');
  });

  it('cuts to the byte bound at a character boundary', () => {
    expect(sanitizeLabelValue('x'.repeat(40), 16)).toBe('x'.repeat(16));
    // é is 2 bytes: 16 bytes hold 8 of them; 🚀 is 4 bytes: 17 bytes hold 4.
    expect(sanitizeLabelValue('é'.repeat(20), 16)).toBe('é'.repeat(8));
    expect(sanitizeLabelValue('a' + 'é'.repeat(20), 16)).toBe('a' + 'é'.repeat(7));
    expect(sanitizeLabelValue('🚀'.repeat(10), 17)).toBe('🚀'.repeat(4));
    for (let max = 16; max < 40; max++) expect(Buffer.byteLength(sanitizeLabelValue('a€🚀é'.repeat(10), max))).toBeLessThanOrEqual(max);
  });
});

describe('label sets', () => {
  it('sorts by name, drops empty values, and the first of two colliding names wins', () => {
    expect(sanitizeLabels({ level: 'ERROR', job: 'dfs', component: '', 'node-id': 'n1', node_id: 'n2' }, 1024)).toEqual([
      { name: 'job', value: 'dfs' },
      { name: 'level', value: 'ERROR' },
      { name: 'node_id', value: 'n1' },
    ]);
  });

  it('writes the selector with escaped values, as Loki parses StreamAdapter.labels', () => {
    expect(labelsText([{ name: 'job', value: 'dfs' }, { name: 'node_id', value: 'a"b\\c\nd' }])).toBe('{job="dfs", node_id="a\\"b\\\\c\\nd"}');
  });
});
