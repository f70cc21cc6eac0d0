import { pinoLineToCall } from '../../../../services/producer/pino-record';

describe('pinoLineToCall', () => {
  it('maps pino fields to the LogRecord and the rest to context', () => {
    const call = pinoLineToCall(
      { level: 40, time: 1_764_000_000_123, msg: 'disk usage over 85%', pid: 1, hostname: 'h', component: 'storage', trace_id: 't', span_id: 's', usage_percent: 91, nested: { a: 1 } },
      { defaultComponent: 'app' },
    );
    expect(call).toEqual({
      level: 'warn',
      message: 'disk usage over 85%',
      component: 'storage',
      context: { usage_percent: 91, nested: { a: 1 } },
      traceId: 't',
      spanId: 's',
      timestampMicros: 1_764_000_000_123_000,
    });
  });

  it.each([
    [10, 'trace'],
    [20, 'debug'],
    [30, 'info'],
    [35, 'info'],
    [50, 'error'],
    [60, 'fatal'],
    [70, 'fatal'],
  ])('maps numeric level %i to %s (custom levels to the standard one below)', (level, name) => {
    expect(pinoLineToCall({ level, msg: 'm' }, { defaultComponent: 'app' }).level).toBe(name);
  });

  it('uses the default component, accepts ISO time and camelCase trace ids', () => {
    const call = pinoLineToCall({ level: 30, time: '2026-01-02T03:04:05.678Z', msg: 'm', traceId: 'T' }, { defaultComponent: 'gateway' });
    expect([call.component, call.timestampMicros, call.traceId]).toEqual(['gateway', Date.parse('2026-01-02T03:04:05.678Z') * 1000, 'T']);
  });
});
