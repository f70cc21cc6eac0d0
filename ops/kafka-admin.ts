import { Kafka, logLevel, type Admin } from 'kafkajs';

/** An admin client of the CLI, connected; `--brokers` or $KAFKA_BROKERS or the local stack. */
export async function connectAdmin(brokers: string | undefined): Promise<{ kafka: Kafka; admin: Admin }> {
  const kafka = new Kafka({ clientId: 'logpipe-cli', brokers: (brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  return { kafka, admin };
}

export class OpsUsageError extends Error {
  override readonly name = 'OpsUsageError';
}

/** `90s`, `15m`, `2h`, `7d` -> milliseconds. */
export function durationMs(text: string, option: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new OpsUsageError(`${option} ${JSON.stringify(text)} is not a duration like 90s, 15m, 2h or 7d`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

/** Left-aligned text columns. */
export function columns(rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? String(cell) : String(cell).padEnd(widths[i] ?? 0))).join('  '));
}
