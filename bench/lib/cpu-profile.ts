import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';

/** The parts of a V8 `.cpuprofile` (node --cpu-prof) this reads. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly children?: readonly number[];
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  }>;
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTimeEntry {
  readonly name: string;
  /** Where: repository-relative file and line, a package, or a V8 pseudo-frame. */
  readonly where: string;
  readonly ms: number;
  /** Share of all sampled time, idle included. */
  readonly percent: number;
  /** Share of the busy time (without `(idle)`). */
  readonly busyPercent: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTimeEntry[];
  /** Self time by package or repository directory. */
  readonly modules: readonly SelfTimeEntry[];
  /** Inclusive time (itself and everything it calls) of the repository's own functions. */
  readonly repositoryInclusive: readonly SelfTimeEntry[];
}

/** Self time per function and per module of a `.cpuprofile`, largest first. */
export function summarizeCpuProfile(file: string, repoRoot: string): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time from sample i-1 to sample i: sample i-1 ran for it.
  for (let i = 0; i < profile.samples.length; i++) {
    const next = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, next));
  }
  const functions = new Map<string, { name: string; where: string; us: number }>();
  const modules = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    total += us;
    if (frame.functionName === '(idle)') idle += us;
    const where = location(frame.url, frame.lineNumber, repoRoot);
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const key = `${name}@${where}`;
    const entry = functions.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
    const module = moduleOf(frame.url, frame.functionName, repoRoot);
    modules.set(module, (modules.get(module) ?? 0) + us);
  }
  // Inclusive: every sample counts once for each distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || !isRepositoryFile(frame.url, repoRoot)) continue;
      const where = location(frame.url, frame.lineNumber, repoRoot);
      const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
      const key = `${name}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const e = inclusive.get(key) ?? { name, where, us: 0 };
      e.us += us;
      inclusive.set(key, e);
    }
  }
  const busy = total - idle;
  const entry = (name: string, where: string, us: number): SelfTimeEntry => ({
    name,
    where,
    ms: us / 1000,
    percent: total > 0 ? (100 * us) / total : 0,
    busyPercent: busy > 0 && name !== '(idle)' ? (100 * us) / busy : 0,
  });
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    functions: [...functions.values()].map((f) => entry(f.name, f.where, f.us)).sort((a, b) => b.ms - a.ms),
    modules: [...modules].map(([m, us]) => entry(m, '', us)).sort((a, b) => b.ms - a.ms),
    repositoryInclusive: [...inclusive.values()].map((f) => entry(f.name, f.where, f.us)).sort((a, b) => b.ms - a.ms),
  };
}

function isRepositoryFile(url: string, repoRoot: string): boolean {
  if (!url.startsWith('file://')) return false;
  const rel = path.relative(repoRoot, new URL(url).pathname);
  return !rel.startsWith('..') && !rel.split(path.sep).includes('node_modules') && !rel.startsWith(`bench${path.sep}`);
}

function location(url: string, line: number, repoRoot: string): string {
  if (url === '') return '';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const shown = path.isAbsolute(file) && !path.relative(repoRoot, file).startsWith('..') ? path.relative(repoRoot, file) : file;
  // tsx emits each TypeScript module's code on one line: a line number there says nothing.
  return /\.[cm]?tsx?$/.test(file) ? shown : `${shown}:${line + 1}`;
}

/** `node_modules/<pkg>` -> pkg; repository files -> their directory; node internals -> `node:internal`. */
function moduleOf(url: string, functionName: string, repoRoot: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native/V8)';
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = file.slice(nm + 'node_modules/'.length).split('/');
    return `npm:${parts[0]?.startsWith('@') === true ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '?')}`;
  }
  if (file.startsWith('node:') || !path.isAbsolute(file)) return 'node:internal';
  const rel = path.relative(repoRoot, file);
  if (rel.startsWith('..')) return file;
  return path.dirname(rel);
}

export function formatProfileTable(entries: readonly SelfTimeEntry[], top: number): string {
  const rows = ['| # | Time | % of samples | % of busy | Function | Where |', '|---|---|---|---|---|---|'];
  entries.slice(0, top).forEach((e, i) => {
    rows.push(`| ${i + 1} | ${e.ms.toFixed(0)} ms | ${e.percent.toFixed(1)}% | ${e.name === '(idle)' ? '–' : `${e.busyPercent.toFixed(1)}%`} | \`${e.name}\` | ${e.where === '' ? '' : `\`${e.where}\``} |`);
  });
  return rows.join('\n');
}

/**
 * Runs `work` under V8's sampling profiler (node:inspector: the data of `node --cpu-prof`, but
 * only this window) and writes the `.cpuprofile` to `file`.
 */
export async function withCpuProfile<T>(file: string, intervalUs: number, work: () => Promise<T>): Promise<T> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params, (err, result) => (err === null ? resolve(result) : reject(err))));
  try {
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: intervalUs });
    await post('Profiler.start');
    const result = await work();
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
    return result;
  } finally {
    session.disconnect();
  }
}

/** A Markdown summary of a `.cpuprofile`: top functions by self time, inclusive time of ours, modules. */
export function profileMarkdown(file: string, repoRoot: string, options: { heading: string; writer: string; title: string; top: number; idleMeans: string }): string {
  const s = summarizeCpuProfile(file, repoRoot);
  const busy = s.totalMs - s.idleMs;
  const { top } = options;
  return [
    `# ${options.heading}`,
    '',
    `<!-- Written by ${options.writer}. -->`,
    '',
    `${options.title}.`,
    '',
    `Sampled ${(s.totalMs / 1000).toFixed(1)} s, of which ${(s.idleMs / 1000).toFixed(1)} s idle (${options.idleMeans}) and ${(busy / 1000).toFixed(1)} s busy on the main thread. ` +
      'Self time: time in the function itself, not in what it calls; `(garbage collector)` and `(program)` are V8 pseudo-frames.',
    '',
    `## Top ${top} functions by self time`,
    '',
    formatProfileTable(s.functions, top),
    '',
    `## Inclusive time of the repository's functions (itself and everything it calls)`,
    '',
    formatProfileTable(s.repositoryInclusive, top),
    '',
    `## Self time by module`,
    '',
    formatProfileTable(s.modules, top).replace('| Function | Where |', '| Module | |'),
    '',
  ].join('\n');
}
