import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describeValue, LogpipeError } from '../../../lib/errors';
import { compileRule, type CompiledRule } from './compile-rule';
import { ruleSchema, rulesFileSchema, type AlertRule } from './rule-schema';

/** The rules shipped with the analyzer (used when no file is configured); tsc does not copy YAML into dist/. */
export const DEFAULT_RULES_FILE = [path.join(__dirname, 'default-rules.yaml'), path.resolve(__dirname, '../../../../services/analyzer/rules/default-rules.yaml')].find((f) => fs.existsSync(f)) ?? path.join(__dirname, 'default-rules.yaml');

/** Reads and validates a YAML or JSON rule file; every problem is reported at once. */
export function loadRulesFile(file: string): CompiledRule[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new LogpipeError('ANALYZER_RULES_INVALID', `cannot read the rule file ${file}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (cause) {
    throw new LogpipeError('ANALYZER_RULES_INVALID', `the rule file ${file} does not parse: ${(cause as Error).message}`, { cause });
  }
  return parseRules(parsed, file);
}

/** Validates rule definitions; throws one error listing every problem as `rule <id>: <field>: <what>`. */
export function parseRules(input: unknown, source = 'rules'): CompiledRule[] {
  const file = rulesFileSchema.safeParse(input);
  if (!file.success) {
    throw new LogpipeError('ANALYZER_RULES_INVALID', `${source}: expected an object with a 'rules' list and nothing else (found ${describeValue(input)})`);
  }
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const ids = new Set<string>();
  file.data.rules.forEach((raw, index) => {
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : `#${index + 1}`;
    if (ids.has(id)) problems.push(`rule ${id}: id: used by another rule`);
    ids.add(id);
    const result = ruleSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const field = issue.path.length > 0 ? issue.path.join('.') : '(rule)';
        const detail = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : `${issue.message} (found ${describeValue(valueAt(raw, issue.path))})`;
        problems.push(`rule ${id}: ${field}: ${detail}`);
      }
      return;
    }
    try {
      rules.push(compileRule(result.data as AlertRule));
    } catch (err) {
      problems.push(`rule ${id}: match.message: ${(err as Error).message}`);
    }
  });
  if (problems.length > 0) {
    throw new LogpipeError('ANALYZER_RULES_INVALID', `${source}: ${problems.length} problem${problems.length > 1 ? 's' : ''}:\n  - ${problems.join('\n  - ')}`, { context: { problems } });
  }
  return rules.filter((r) => r.rule.enabled);
}

function valueAt(input: unknown, keys: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of keys) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
