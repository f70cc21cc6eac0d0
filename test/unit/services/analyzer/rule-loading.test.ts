import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogpipeError } from '../../../../lib/errors';
import { compileRule } from '../../../../services/analyzer/rules/compile-rule';
import { DEFAULT_RULES_FILE, loadRulesFile, parseRules } from '../../../../services/analyzer/rules/load-rules';
import { rec } from '../../../harness/enriched-record-fixture';

function problems(input: unknown): string[] {
  try {
    parseRules(input);
  } catch (err) {
    expect(err).toBeInstanceOf(LogpipeError);
    expect((err as LogpipeError).code).toBe('ANALYZER_RULES_INVALID');
    return ((err as LogpipeError).context as { problems: string[] }).problems;
  }
  throw new Error('expected the rules to be refused');
}

const valid = { id: 'errors', name: 'Errors', severity: 'error', kind: 'frequency', match: { levels: ['ERROR'] }, threshold: 5, window: '300s' };

describe('rule files', () => {
  it('reports every problem at once, each with the rule id and the field', () => {
    const found = problems({
      rules: [
        { ...valid, id: 'a', threshold: -1, severity: 'loud' },
        { ...valid, id: 'b', window: '7 parsecs', extra: true },
        { ...valid, id: 'c', every: '7m' },
        { ...valid, id: 'd', kind: 'ratio', threshold: 5 },
        { ...valid, id: 'e', match: { message: '(a)\\1' } },
        { ...valid, id: 'a' },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rule a: severity: /),
        expect.stringMatching(/^rule a: threshold: /),
        expect.stringMatching(/^rule b: window: expected a duration/),
        expect.stringMatching(/^rule b: \(rule\): unknown field extra/),
        expect.stringMatching(/^rule c: every: must divide the window/),
        expect.stringMatching(/^rule d: threshold: a ratio threshold is a fraction/),
        expect.stringMatching(/^rule e: match.message: .*RE2/),
        'rule a: id: used by another rule',
      ]),
    );
    expect(found).toHaveLength(8);
  });

  it('loads the shipped defaults: error burst on levels, disk usage 80-99% on the message', () => {
    const rules = loadRulesFile(DEFAULT_RULES_FILE);
    expect(rules.map((r) => r.rule.id)).toEqual(['error-burst', 'disk-usage-high']);
    const [errors, disk] = rules as [(typeof rules)[0], (typeof rules)[0]];
    expect(errors.rule).toMatchObject({ threshold: 5, window: 300_000, every: 60_000, severity: 'error' });
    expect(errors.matches(rec(0, { level: 'CRITICAL', message: 'all good' }))).toBe(true);
    expect(errors.matches(rec(0, { level: 'INFO', message: 'error in the logs' }))).toBe(false);
    expect(disk.rule).toMatchObject({ threshold: 3, window: 600_000, severity: 'warning' });
    expect(disk.matches(rec(0, { level: 'WARNING', message: 'Disk usage over 85% on /dev/sda (91%)' }))).toBe(true);
    expect(disk.matches(rec(0, { level: 'WARNING', message: 'disk usage at 79%' }))).toBe(false);
    expect(disk.matches(rec(0, { level: 'INFO', message: 'disk usage at 95%' }))).toBe(false);
  });

  it('reads JSON as well as YAML and names the file when it does not parse', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-'));
    fs.writeFileSync(path.join(dir, 'r.json'), JSON.stringify({ rules: [valid] }));
    expect(loadRulesFile(path.join(dir, 'r.json')).map((r) => r.rule.id)).toEqual(['errors']);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'rules: [ {');
    expect(() => loadRulesFile(path.join(dir, 'bad.yaml'))).toThrow(/bad\.yaml does not parse/);
  });

  it('runs patterns in linear time: a catastrophic backtracking pattern answers at once', () => {
    const rule = parseRules({ rules: [{ ...valid, match: { message: '^(a+)+$' } }] })[0];
    // With backtracking, 40 a's and a trailing b take 2^40 steps; RE2 is linear.
    expect(rule?.matches(rec(0, { level: 'ERROR', message: `${'a'.repeat(40)}b` }))).toBe(false);
    expect(rule?.matches(rec(0, { level: 'ERROR', message: 'A'.repeat(40) }))).toBe(true);
  });

  it('matches components, nodes, field conditions and groups by the given fields', () => {
    const [compiled] = parseRules({
      rules: [{ ...valid, match: { components: ['storage'], fields: [{ field: 'usage_percent', op: 'gte', value: 80 }] }, groupBy: ['node_id', 'component'] }],
    });
    const rule = compiled as ReturnType<typeof compileRule>;
    expect(rule.matches(rec(0, { component: 'storage', usage_percent: 85 }))).toBe(true);
    expect(rule.matches(rec(0, { component: 'storage', usage_percent: 79.9 }))).toBe(false);
    expect(rule.matches(rec(0, { component: 'api', usage_percent: 99 }))).toBe(false);
    expect(rule.groupOf(rec(0, { component: 'storage', node_id: 'n-4' }))).toEqual({ key: 'node_id=n-4,component=storage', values: { node_id: 'n-4', component: 'storage' } });
  });
});
