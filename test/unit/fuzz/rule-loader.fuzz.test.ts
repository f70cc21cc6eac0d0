import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { isLogpipeError } from '../../../lib/errors';
import { loadRulesFile, parseRules } from '../../../services/analyzer/rules/load-rules';

/** Either rules, or ANALYZER_RULES_INVALID with a message naming the problems: never another error. */
function rulesOrListedProblems(load: () => unknown): 'rules' | 'refused' {
  try {
    const rules = load();
    expect(Array.isArray(rules)).toBe(true);
    return 'rules';
  } catch (err) {
    if (!isLogpipeError(err, 'ANALYZER_RULES_INVALID')) throw err;
    expect(err.message.length).toBeGreaterThan(10);
    return 'refused';
  }
}

const durations = fc.oneof(fc.constantFrom('5m', '300s', '1h', '60', '0s', '5 minutes', '-1m', ''), fc.integer({ min: -5, max: 7_200 }), fc.string({ maxLength: 6 }));
/** Regexes, most of them hostile: nested quantifiers, backreferences, lookaround, broken syntax. */
const regexes = fc.oneof(
  fc.constantFrom('^(a+)+$', '(x+x+)+y', '(a|aa)+$', '(\\w+)\\1', '(?=a)b', '(?<!a)b', '[', '(', '*', 'a{1000000}', 'timeout|refused', '(?i)disk.*full', ''),
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^[a-z()|+*?.\\[\]{}^$0-9]{1,16}$/),
);
/** Rule-shaped objects mixing valid values, wrong types and unknown fields. */
const ruleLike = fc.record(
  {
    id: fc.oneof(fc.constantFrom('errors', 'disk-high', 'Bad Id', ''), fc.string({ maxLength: 8 })),
    name: fc.oneof(fc.constant('A rule'), fc.string({ maxLength: 8 }), fc.integer()),
    severity: fc.constantFrom('info', 'warning', 'error', 'critical', 'fatal', 3),
    kind: fc.constantFrom('frequency', 'ratio', 'flatline', 'anomaly'),
    match: fc.record(
      {
        levels: fc.oneof(fc.constant(['ERROR', 'CRITICAL']), fc.array(fc.constantFrom('ERROR', 'WARN', 'info', 'DEBUG'), { maxLength: 3 })),
        message: regexes,
        components: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
        fields: fc.array(fc.record({ field: fc.constantFrom('cpu_usage', 'node_id', 'secret', 'size_bytes'), op: fc.constantFrom('gt', 'eq', 'in', 'exists', 'like'), value: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: ['field', 'op'] }), { maxLength: 2 }),
        colour: fc.string({ maxLength: 4 }),
      },
      { requiredKeys: [] },
    ),
    threshold: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.double({ noNaN: false }), fc.constant('5')),
    window: durations,
    every: durations,
    groupBy: fc.array(fc.constantFrom('node_id', 'component', 'message', 'trace_id'), { maxLength: 2 }),
    minRecords: fc.oneof(fc.integer({ min: -1, max: 50 }), fc.constant(1.5)),
    notification: fc.jsonValue({ maxDepth: 1 }),
    unknownField: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

describe('fuzz: the rule loader reports problems, it never crashes or hangs on a regex', () => {
  it('arbitrary JSON documents', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => void rulesOrListedProblems(() => parseRules(doc))), { numRuns: 3_000 });
  });

  it('rule-shaped documents with hostile regexes and wrong fields: valid ones load, the rest name their problems', () => {
    const seen = { rules: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(ruleLike, { maxLength: 4 }), (rules) => {
        seen[rulesOrListedProblems(() => parseRules({ rules }))]++;
      }),
      { numRuns: 4_000 },
    );
    // The generator reaches both sides, or the property proves little.
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.rules).toBeGreaterThan(0);
  });

  it('arbitrary YAML text in a rule file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logpipe-rules-fuzz-'));
    try {
      const file = path.join(dir, 'rules.yaml');
      const yamlish = fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom('rules:', '  - id: a', '    kind: frequency', '    threshold: 5', '    window: 5m', '  name: x', '- [', '&a *a', '!!binary x', '\t', '"unterminated', '? key', ': value'), { maxLength: 8 }).map((lines) => lines.join('\n')));
      fc.assert(
        fc.property(yamlish, (text) => {
          fs.writeFileSync(file, text);
          rulesOrListedProblems(() => loadRulesFile(file));
        }),
        { numRuns: 1_500 },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
