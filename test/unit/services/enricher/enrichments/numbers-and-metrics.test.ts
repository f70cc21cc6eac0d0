import { messageMetrics } from '../../../../../services/enricher/enrichments/message-metrics';
import { numericFields, toFloat } from '../../../../../services/enricher/enrichments/numeric-fields';

describe('toFloat', () => {
  it.each<[unknown, number | undefined]>([
    [45.5, 45.5],
    ['45.5', 45.5],
    [' 45 ', 45],
    ['88.1%', 88.1],
    ['1e2', 100],
    ['-3', -3],
    ['high', undefined],
    ['', undefined],
    [Number.NaN, undefined],
    [true, undefined],
    [null, undefined],
  ])('%p -> %p', (input, expected) => {
    expect(toFloat(input)).toBe(expected);
  });
});

describe('numericFields', () => {
  it('converts each field and tags the ones that are not numbers', () => {
    expect(numericFields({ cpu_usage: '45.5', memory_usage: 91, usage_percent: 'lots' })).toEqual({ cpu_usage: 45.5, memory_usage: 91, usage_percent: null, tags: ['usage_percent_not_numeric'] });
    expect(numericFields({})).toEqual({ cpu_usage: null, memory_usage: null, usage_percent: null, tags: [] });
  });
});

describe('messageMetrics', () => {
  it.each([
    ['latency: 45ms, response_time: 65ms, throughput: 1200 ops/sec', { latency_ms: 45, response_time_ms: 65, throughput_ops: 1200 }],
    ['request served LATENCY: 12.5 ms', { latency_ms: 12.5, response_time_ms: null, throughput_ops: null }],
    ['throughput: 300 ops/s', { latency_ms: null, response_time_ms: null, throughput_ops: 300 }],
    ['file read ok', { latency_ms: null, response_time_ms: null, throughput_ops: null }],
    ['latency: fast', { latency_ms: null, response_time_ms: null, throughput_ops: null }],
  ])('%s', (message, expected) => {
    expect(messageMetrics(message)).toEqual(expected);
  });
});
