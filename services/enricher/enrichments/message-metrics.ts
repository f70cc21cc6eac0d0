export interface MessageMetrics {
  latency_ms: number | null;
  response_time_ms: number | null;
  throughput_ops: number | null;
}

// The platform's performance lines read "latency: 45ms, response_time: 65ms, throughput: 1200 ops/sec".
const LATENCY = /\blatency:\s*(\d+(?:\.\d+)?)\s*ms\b/i;
const RESPONSE_TIME = /\bresponse_time:\s*(\d+(?:\.\d+)?)\s*ms\b/i;
const THROUGHPUT = /\bthroughput:\s*(\d+(?:\.\d+)?)\s*ops\/s(?:ec)?\b/i;

/** Performance figures written into a message, as numbers; null where absent. */
export function messageMetrics(message: string): MessageMetrics {
  // Cheap pre-check: most messages carry no metric at all.
  if (!message.includes(':')) return { latency_ms: null, response_time_ms: null, throughput_ops: null };
  const number = (re: RegExp): number | null => {
    const m = re.exec(message);
    return m ? Number(m[1]) : null;
  };
  return { latency_ms: number(LATENCY), response_time_ms: number(RESPONSE_TIME), throughput_ops: number(THROUGHPUT) };
}
