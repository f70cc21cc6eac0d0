import { isLogpipeError } from '../../../../lib/errors';
import { buildLogRecord, type LogCall } from '../../../../services/producer/build-log-record';

const origin = { service: 'storage-node', nodeId: 'node-1', version: '1.2.3' };
const call: LogCall = { level: 'warn', message: 'disk usage over 85%', component: 'storage', context: { usage_percent: 91.5 } };

function failure(patch: Partial<LogCall>): { field: unknown; message: string } {
  try {
    buildLogRecord({ ...call, ...patch }, origin);
  } catch (err) {
    if (isLogpipeError(err, 'PRODUCER_INVALID_RECORD')) return { field: err.context.field, message: err.message };
    throw err;
  }
  throw new Error('expected PRODUCER_INVALID_RECORD');
}

describe('buildLogRecord', () => {
  it('normalizes the level, derives severity, and fills identity and origin', () => {
    const record = buildLogRecord({ ...call, traceId: 'trace-1', spanId: 'span-1', timestampMicros: 1_700_000_000_000_001 }, origin);
    expect(record).toEqual({
      timestamp: 1_700_000_000_000_001,
      level: 'WARNING',
      message: 'disk usage over 85%',
      service: 'storage-node',
      version: '1.2.3',
      component: 'storage',
      node_id: 'node-1',
      trace_id: 'trace-1',
      span_id: 'span-1',
      context: '{"usage_percent":91.5}',
      log_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      severity: 30,
    });
  });

  it.each([
    ['fatal', 'CRITICAL', 50],
    ['ERROR', 'ERROR', 40],
    ['Info', 'INFO', 20],
    ['trace', 'DEBUG', 10],
    ['warning', 'WARNING', 30],
  ])('maps level %s to %s (%i)', (input, level, severity) => {
    const record = buildLogRecord({ ...call, level: input }, origin);
    expect([record.level, record.severity]).toEqual([level, severity]);
  });

  it('gives every record its own log_id and a current timestamp when none is passed', () => {
    const before = Date.now() * 1000;
    const a = buildLogRecord(call, origin);
    const b = buildLogRecord(call, origin);
    expect(a.log_id).not.toBe(b.log_id);
    expect(a.timestamp).toBeGreaterThanOrEqual(before);
    expect(a.timestamp).toBeLessThanOrEqual(Date.now() * 1000 + 1000);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each<[string, Partial<LogCall>, string, RegExp]>([
    ['an unknown level', { level: 'loud' }, 'level', /level is "loud", expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL/],
    ['a numeric level', { level: 30 }, 'level', /level is 30/],
    ['a missing message', { message: undefined }, 'message', /message is undefined, expected a non-empty string/],
    ['an empty component', { component: '' }, 'component', /component is "", expected a non-empty string/],
    ['a context that is an array', { context: [1, 2] }, 'context', /context is \[1,2\], expected a plain object/],
    ['a function in context', { context: { cb: () => 1 } }, 'context.cb', /context\.cb is a function: functions and symbols cannot be serialized/],
    ['NaN in context', { context: { ratio: Number.NaN } }, 'context.ratio', /NaN and Infinity cannot be serialized/],
    ['a BigInt in context', { context: { big: 10n } }, 'context.big', /context\.big is 10n: BigInt/],
    ['a circular context', { context: circular }, 'context.self', /^context\.self refers back to an enclosing object: a circular structure cannot be serialized$/],
    ['a nested bad value', { context: { a: { b: [1, undefined] } } }, 'context.a.b.1', /^context\.a\.b\.1 is undefined: undefined inside an array would become null$/],
    ['a negative timestamp', { timestampMicros: -1 }, 'timestamp', /timestamp is -1/],
    ['an empty trace id', { traceId: '' }, 'traceId', /traceId is "", expected a non-empty string or nothing/],
  ])('refuses %s, naming the field', (_case, patch, field, message) => {
    const { field: named, message: text } = failure(patch);
    expect(named).toBe(field);
    expect(text).toMatch(message);
  });
});
