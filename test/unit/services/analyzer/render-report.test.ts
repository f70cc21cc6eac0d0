import { renderReport } from '../../../../services/analyzer/report/render-report';
import { SummaryBuilder } from '../../../../services/analyzer/stats/summary-aggregate';
import { rec, SEC, T0 } from '../../../harness/enriched-record-fixture';

describe('Markdown report', () => {
  it('has the window, totals, error and warning analysis, performance, component and node health', () => {
    const b = new SummaryBuilder(T0, T0 + 3_600_000);
    b.add(rec(0, { level: 'ERROR', component: 'database', error_type: 'timeout', latency_ms: 120 }));
    b.add(rec(SEC, { level: 'WARNING', component: 'storage', warning_type: 'disk_usage' }));
    b.add(rec(2 * SEC, { level: 'INFO', component: 'api', node_id: 'node-2' }));
    b.add(rec(3 * SEC, { level: 'INFO', component: 'api', node_id: 'node-2' }));
    const md = renderReport(b.toSummary());
    expect(md).toContain('**Time window:** 2026-11-20T10:00:00Z to 2026-11-20T11:00:00Z');
    expect(md).toContain('| records | 4 |');
    expect(md).toContain('| error rate | 25.00% |');
    expect(md).toContain('| timeout | 1 |');
    expect(md).toContain('| disk_usage | 1 |');
    expect(md).toMatch(/\| latency_ms \| 1 \| 120 \| 120 \| 120 \| 1\d\d\.\d\d \|/);
    expect(md).toContain('| database | 1 | 1 | 0 | 0 | 50 |');
    expect(md).toContain('| node-1 | 2 | 1 | 1 | 2 | 62.50 |');
    expect(md).toContain('| node-2 | 2 | 0 | 0 | 1 | 100 |');
    for (const section of ['## Totals', '## Error analysis', '## Warning analysis', '## Performance', '## Component health', '## Node health']) expect(md).toContain(section);
  });
});
