import { QueryUsageError } from '../../../../services/sink-es/query-commands';
import { lokiConnectionFromEnv } from '../../../../services/sink-loki/query-client';
import { formatEntry, isoNanos, mergeStreams, runLabelValues, runLogQuery } from '../../../../services/sink-loki/query-commands';

describe('logql output', () => {
  const data = {
    resultType: 'streams' as const,
    result: [
      { stream: { job: 'dfs', level: 'ERROR', node_id: 'node-1', component: 'storage' }, values: [['1795610417604002000', 'b'], ['1795610417604000000', 'a']] as Array<[string, string]> },
      { stream: { job: 'dfs', level: 'INFO', node_id: 'node-2', component: 'api' }, values: [['1795610417604001000', 'c']] as Array<[string, string]> },
    ],
  };

  it('merges streams newest first (or oldest first) up to the limit', () => {
    expect(mergeStreams(data, 'backward', 10).map((e) => e.line)).toEqual(['b', 'c', 'a']);
    expect(mergeStreams(data, 'forward', 2).map((e) => e.line)).toEqual(['a', 'c']);
    expect(mergeStreams({ resultType: 'matrix', result: [] }, 'forward', 2)).toEqual([]);
  });

  it('prints nanosecond times and the level, node and component columns', () => {
    expect(isoNanos('1795610417604002001')).toBe('2026-11-25T12:40:17.604002001Z');
    expect(formatEntry({ ns: '1795610417604002000', labels: data.result[0]!.stream, line: '{"message":"x"}' })).toBe('2026-11-25T12:40:17.604002000Z  ERROR    node-1     storage    {"message":"x"}');
    expect(formatEntry({ ns: '1795610417604002000', labels: { job: 'x' }, line: 'y' })).toBe('2026-11-25T12:40:17.604002000Z  {job="x"} y');
  });
});

describe('logql and labels usage errors', () => {
  it.each([
    [[], /expected one LogQL query/],
    [['{job="dfs"}', '--limit', '0'], /--limit "0" is not an integer from 1 to 5000/],
    [['{job="dfs"}', '--since', 'yesterday'], /duration "yesterday"/],
    [['{job="dfs"}', '--from', 'never'], /--from "never" is not an ISO-8601 time/],
    [['{job="dfs"}', '--from', '2026-11-20T10:00:00Z', '--to', '2026-11-20T09:00:00Z'], /the range is empty/],
  ])('logql %j -> %s', async (argv, message) => {
    await expect(runLogQuery(argv, () => undefined)).rejects.toThrow(QueryUsageError);
    await expect(runLogQuery(argv, () => undefined)).rejects.toThrow(message);
  });

  it.each([
    [['a', 'b'], /at most one label name/],
    [['not-a-label'], /is not a label name/],
  ])('labels %j -> %s', async (argv, message) => {
    await expect(runLabelValues(argv, () => undefined)).rejects.toThrow(message);
  });
});

describe('CLI Loki connection', () => {
  it('reads LOKI_* variables, with --loki and --tenant on top', () => {
    expect(lokiConnectionFromEnv({}, {})).toEqual({ url: 'http://127.0.0.1:3100', rejectUnauthorized: true });
    expect(lokiConnectionFromEnv({ LOKI_URL: 'http://a:1', LOKI_TENANT_ID: 't1', LOKI_BEARER_TOKEN: 'x' }, { tenantId: 't2' })).toEqual({ url: 'http://a:1', tenantId: 't2', bearerToken: 'x', rejectUnauthorized: true });
    expect(lokiConnectionFromEnv({ LOKI_URL: 'http://a:1' }, { url: 'http://b:2' }).url).toBe('http://b:2');
  });
});
