import type { AlertEvent } from '../alerts/alert-types';
import type { NamedCount, WindowSummary } from '../stats/summary-types';

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const num = (v: number | null) => (v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(2));

function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  if (rows.length === 0) return ['_none_'];
  // Numbers right-aligned, text left-aligned.
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || /^-?[\d.]+%?$/.test(String(r[i]))));
  return [`| ${header.join(' | ')} |`, `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const counts = (list: readonly NamedCount[]) => list.map((c) => [c.name, c.count] as const);

/** A window summary as the Markdown report of the `report` command. */
export function renderReport(s: WindowSummary, alerts: readonly AlertEvent[] = []): string {
  const lines = [
    `# Log analysis report`,
    '',
    `**Time window:** ${iso(s.window_start)} to ${iso(s.window_end)}`,
    '',
    `## Totals`,
    '',
    ...table(['measure', 'value'], [
      ['records', s.total],
      ['errors (ERROR + CRITICAL)', s.errors],
      ['error rate', `${s.error_rate_percent.toFixed(2)}%`],
      ['warnings', s.warnings],
      ['warning rate', `${s.warning_rate_percent.toFixed(2)}%`],
    ]),
    '',
    `## Error analysis`,
    '',
    `### By type`,
    '',
    ...table(['error type', 'count'], counts(s.error_types)),
    '',
    `### Top components by errors`,
    '',
    ...table(['component', 'errors'], counts(s.top_error_components)),
    '',
    `## Warning analysis`,
    '',
    `### By type`,
    '',
    ...table(['warning type', 'count'], counts(s.warning_types)),
    '',
    `### Top components by warnings`,
    '',
    ...table(['component', 'warnings'], counts(s.top_warning_components)),
    '',
    `## Performance`,
    '',
    ...table(
      ['metric', 'count', 'avg', 'min', 'max', 'median', 'p95', 'p99'],
      s.performance.filter((p) => p.count > 0).map((p) => [p.metric, p.count, num(p.avg), num(p.min), num(p.max), num(p.median), num(p.p95), num(p.p99)]),
    ),
    '',
    '_Percentiles from a DDSketch with 1% relative accuracy._',
    '',
    `## Component health`,
    '',
    ...table(['component', 'total', 'errors', 'warnings', 'info', 'health'], s.components.map((c) => [c.component, c.total, c.errors, c.warnings, c.info, num(c.health_score)])),
    '',
    `## Node health`,
    '',
    ...table(['node', 'total', 'errors', 'warnings', 'components', 'health'], s.nodes.map((n) => [n.node_id, n.total, n.errors, n.warnings, n.components, num(n.health_score)])),
    '',
    '_Health = max(0, 100 - (error fraction x 50 + warning fraction x 25))._',
  ];
  const inWindow = alerts.filter((a) => a.window_end > s.window_start && a.window_start < s.window_end);
  if (inWindow.length > 0) {
    lines.push('', '## Alerts', '', ...table(['status', 'severity', 'rule', 'group', 'window', 'message'], inWindow.map((a) => [a.status, a.severity, a.rule_id, a.group_key || '-', `${iso(a.window_start)} to ${iso(a.window_end)}`, a.message])));
  }
  return `${lines.join('\n')}\n`;
}

/** One alert event as a line of `alerts tail`. */
export function alertLine(a: AlertEvent): string {
  const when = `${iso(a.window_start)}..${iso(a.window_end).slice(11)}`;
  return [a.status.padEnd(8), a.severity.padEnd(8), a.rule_id.padEnd(20), (a.group_key || '-').padEnd(18), when, a.alert_id.slice(0, 12), a.message].join('  ');
}
