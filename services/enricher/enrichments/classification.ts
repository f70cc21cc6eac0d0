import patterns from './classification-patterns.json';
import type { Level } from '../../../lib/records';

interface PatternRow {
  readonly type: string;
  readonly pattern: string;
}

interface CompiledRow {
  readonly type: string;
  readonly re: RegExp;
}

const compile = (rows: readonly PatternRow[]): CompiledRow[] => rows.map((row) => ({ type: row.type, re: new RegExp(row.pattern, 'i') }));

const ERROR_TYPES = compile(patterns.error_types);
const WARNING_TYPES = compile(patterns.warning_types);

export interface Classification {
  error_type: string | null;
  warning_type: string | null;
}

/** The error type of an ERROR/CRITICAL record, the warning type of a WARNING one (first matching row); `other` when none matches. */
export function classify(level: Level, message: string): Classification {
  if (level === 'ERROR' || level === 'CRITICAL') return { error_type: firstMatch(ERROR_TYPES, message), warning_type: null };
  if (level === 'WARNING') return { error_type: null, warning_type: firstMatch(WARNING_TYPES, message) };
  return { error_type: null, warning_type: null };
}

function firstMatch(rows: readonly CompiledRow[], message: string): string {
  for (const row of rows) if (row.re.test(message)) return row.type;
  return 'other';
}
