import fs from 'node:fs';
import path from 'node:path';
import { isLogpipeError } from '../../../lib/errors';
import { loadRulesFile } from '../../../services/analyzer/rules/load-rules';
import type { EnrichedRecord } from '../../../services/enricher/enriched-record';

const dir = path.resolve(__dirname, '../../corpus/bad-rules');
type Expected = { outcome: 'loaded'; rules: string[] } | { outcome: 'refused'; problems: string[] };
const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, Expected>;

describe('bad-rules corpus (test/corpus/bad-rules)', () => {
  it('has an expectation for every file', () => {
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('%s', (file, want) => {
    if (want.outcome === 'loaded') {
      const rules = loadRulesFile(path.join(dir, file));
      expect(rules.map((r) => r.rule.id)).toEqual(want.rules);
      // The exponential case for a backtracking engine: 100,000 a's and a b. Linear here, so this returns.
      const record = { message: `${'a'.repeat(100_000)}b`, level: 'INFO' } as EnrichedRecord;
      expect(rules[0]?.matches(record)).toBe(false);
      expect(rules[0]?.matches({ ...record, message: 'a'.repeat(100_000) })).toBe(true);
      return;
    }
    let thrown: unknown;
    try {
      loadRulesFile(path.join(dir, file));
    } catch (err) {
      thrown = err;
    }
    expect(isLogpipeError(thrown, 'ANALYZER_RULES_INVALID')).toBe(true);
    const message = (thrown as Error).message;
    expect(message).toContain(`${want.problems.length} problems`);
    for (const problem of want.problems) expect(message).toContain(problem);
  });
});
