import fs from 'node:fs';

/** Peak resident memory of a process so far (VmHWM), in MB; undefined once it is gone. */
export function peakRssMb(pid: number | undefined): number | undefined {
  return procStatusMb(pid, 'VmHWM');
}

/** Resident memory of a process now (VmRSS), in MB; NaN once it is gone. */
export function rssMb(pid: number | undefined): number {
  return procStatusMb(pid, 'VmRSS') ?? Number.NaN;
}

function procStatusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface ChaosRow {
  scenario: string;
  sent: number;
  delivered: string;
  deadLettered: number;
  lost: number;
  duplicated: number;
  recoverySeconds: string;
  peakRssMb: string;
}

/** One line per scenario on stderr, and appended to $LOGPIPE_CHAOS_REPORT when set (for the issue note). */
export function reportChaos(row: ChaosRow): void {
  const line = `| ${row.scenario} | ${row.sent} | ${row.delivered} | ${row.deadLettered} | ${row.lost} | ${row.duplicated} | ${row.recoverySeconds} | ${row.peakRssMb} |`;
  process.stderr.write(`chaos: ${line}\n`);
  if (process.env.LOGPIPE_CHAOS_REPORT) fs.appendFileSync(process.env.LOGPIPE_CHAOS_REPORT, `${line}\n`);
}
