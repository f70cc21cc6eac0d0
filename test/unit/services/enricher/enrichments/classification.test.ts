import { classify } from '../../../../../services/enricher/enrichments/classification';

describe('classify', () => {
  it.each([
    ['ERROR', 'database connection timeout after 30s', 'timeout'],
    ['ERROR', 'request timed out', 'timeout'],
    ['ERROR', 'network connection refused by 10.0.3.4:9000', 'connection_refused'],
    ['CRITICAL', 'Out Of Memory while allocating 64MB', 'out_of_memory'],
    ['ERROR', 'disk full on volume vol-3', 'disk_full'],
    ['ERROR', 'write failed: No space left on device', 'disk_full'],
    ['ERROR', 'exception in request handler: NullPointerException', 'exception'],
    ['ERROR', 'something unusual', 'other'],
  ] as const)('%s "%s" is error type %s', (level, message, type) => {
    expect(classify(level, message)).toEqual({ error_type: type, warning_type: null });
  });

  it.each([
    ['disk usage over 85% on /dev/sdb (91%)', 'high_disk_usage'],
    ['Disk usage at 97.5 %', 'high_disk_usage'],
    ['high memory usage: 88%', 'high_memory_usage'],
    ['high latency detected latency: 850ms', 'high_latency'],
    ['slow query took 2300ms', 'slow_query'],
    ['disk usage at 40%', 'other'],
  ])('WARNING "%s" is warning type %s', (message, type) => {
    expect(classify('WARNING', message)).toEqual({ error_type: null, warning_type: type });
  });

  it('leaves INFO and DEBUG unclassified', () => {
    expect(classify('INFO', 'database connection timeout')).toEqual({ error_type: null, warning_type: null });
  });
});
