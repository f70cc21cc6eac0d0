import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackConfigFromEnv } from '../../stack/stack-config';
import type { Series } from './scenario';

/** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;
const SERVERS = ['kafka', 'elasticsearch', 'loki'] as const;
export type MeteredServer = (typeof SERVERS)[number];

/** CPU seconds (user + system) spent during one measurement, by the bench process and by each local server. */
export type CpuSeconds = Readonly<Record<'bench' | MeteredServer, number>>;

/**
 * utime + stime of every process in the process group `leader` leads: a server of the local stack
 * is started detached as a group of its own (Elasticsearch's launcher and its server JVM are two
 * processes). Undefined off Linux or when the group is gone.
 */
function groupTicks(leader: number): number | undefined {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ticks = 0;
  let found = false;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Fields after the parenthesised command (which may hold spaces): state is field 3, pgrp 5, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== leader) continue;
    found = true;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return found ? ticks : undefined;
}

function serverLeader(server: MeteredServer): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(stackConfigFromEnv().runDir, server, `${server}.pid`), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts counting CPU time; the returned function gives the seconds spent since. On two cores the
 * servers and the bench share the CPU, so a variant's wall time can be no shorter than the sum
 * over all of them divided by the cores: what bounds a ratio on this machine. Servers not run by
 * the local stack (or not on Linux) count as NaN.
 */
export function startCpuMeter(): () => CpuSeconds {
  const leaders = new Map(SERVERS.map((s) => [s, serverLeader(s)]));
  const before = new Map(SERVERS.map((s) => [s, leaders.get(s) === undefined ? undefined : groupTicks(leaders.get(s) as number)]));
  const benchBefore = process.cpuUsage();
  return () => {
    const bench = process.cpuUsage(benchBefore);
    const spent = (s: MeteredServer): number => {
      const leader = leaders.get(s);
      const start = before.get(s);
      const end = leader === undefined ? undefined : groupTicks(leader);
      return start === undefined || end === undefined ? Number.NaN : (end - start) / TICKS_PER_SECOND;
    };
    return { bench: (bench.user + bench.system) / 1e6, kafka: spent('kafka'), elasticsearch: spent('elasticsearch'), loki: spent('loki') };
  };
}

/** The extra columns of a measurement: CPU seconds of the bench process and of the servers it used. */
export function cpuExtra(cpu: CpuSeconds, servers: readonly MeteredServer[]): Record<string, number> {
  const extra: Record<string, number> = { cpuBenchS: cpu.bench };
  let total = cpu.bench;
  for (const s of servers) {
    extra[`cpu${s[0]?.toUpperCase()}${s.slice(1)}S`] = cpu[s];
    total += cpu[s];
  }
  extra.cpuTotalS = total;
  return extra;
}

/**
 * What the CPU columns say about the goal: on `cores` cores our variant cannot finish faster
 * than all the CPU it (and the servers serving it) used, divided by the cores; against the
 * baseline's wall time that caps the ratio, however well the work overlaps.
 */
export function cpuCeilingNote(ours: Series | undefined, baseline: Series | undefined, goal: number, cores = os.availableParallelism()): string {
  const oursCpu = ours?.extra.cpuTotalS;
  const baseCpu = baseline?.extra.cpuTotalS;
  const baseSeconds = baseline?.extra.seconds;
  const oursSeconds = ours?.extra.seconds;
  if (oursCpu === undefined || baseCpu === undefined || baseSeconds === undefined || oursSeconds === undefined || !Number.isFinite(oursCpu) || !Number.isFinite(baseCpu)) {
    return 'CPU accounting: not available (servers not run by the local stack, or not Linux).';
  }
  const floor = oursCpu / cores;
  const ceiling = baseSeconds / floor;
  return (
    `CPU (medians, user + system of this process and of the servers' process groups, from /proc): ${ours?.label} used ${oursCpu.toFixed(2)} CPU-s in ${oursSeconds.toFixed(2)} s, ` +
    `${baseline?.label} ${baseCpu.toFixed(2)} CPU-s in ${baseSeconds.toFixed(2)} s. On ${cores} cores the former cannot take less than ${floor.toFixed(2)} s, ` +
    `which caps the ratio at ${ceiling.toFixed(2)} on this machine (goal ${goal}), however well its work overlaps.`
  );
}
