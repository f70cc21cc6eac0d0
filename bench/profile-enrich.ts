/**
 * `npx tsx bench/profile-enrich.ts [--records N] [--variant enriched|pass-through] [--out FILE] [--summary FILE.md] [--top N] [--brokers LIST] [--seed N]`
 * `npx tsx bench/profile-enrich.ts --analyze FILE.cpuprofile [--top N]`
 * `node --no-turbo-inlining --import tsx bench/profile-enrich.ts ...`: attributes self time to small
 *   functions V8 would otherwise inline into their callers (slower, but shows who the time belongs to)
 *
 * CPU profile of the enricher as the `enrich` scenario runs it: publishes the synthetic input
 * to a fresh 6-partition topic, warms the variant up once (not profiled), then profiles one full
 * consumption with V8's sampling profiler (node:inspector, the same data as `node --cpu-prof`,
 * but only the measured window). Writes the `.cpuprofile` (open it in Chrome DevTools or
 * speedscope), prints the top self-time functions and modules, and writes them to
 * bench/results/enrich-profile.md (`-pass-through.md` for that variant). `--analyze` summarizes any `.cpuprofile`, e.g. one from
 * `node --cpu-prof --import tsx bench/profile-enrich.ts --no-inspector`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchTopics } from './lib/bench-topics';
import { profileMarkdown, withCpuProfile } from './lib/cpu-profile';
import { consumeOnce, describeMeasurement, publishInput } from './scenarios/enrich';

const repoRoot = path.resolve(__dirname, '..');

async function main(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string', default: '50000' },
      variant: { type: 'string', default: 'enriched' },
      out: { type: 'string' },
      top: { type: 'string', default: '15' },
      brokers: { type: 'string' },
      seed: { type: 'string', default: '1' },
      analyze: { type: 'string' },
      'no-inspector': { type: 'boolean', default: false },
      'interval-us': { type: 'string', default: '500' },
      summary: { type: 'string' },
    },
    strict: true,
  });
  const top = Number(values.top);
  if (values.analyze !== undefined) {
    console.log(report(values.analyze, top, `\`${values.analyze}\``));
    return;
  }
  const records = Number(values.records);
  const seed = Number(values.seed);
  if (!Number.isInteger(records) || records <= 0) throw new Error(`--records ${values.records}: expected a positive integer`);
  if (values.variant !== 'enriched' && values.variant !== 'pass-through') throw new Error(`--variant ${values.variant}: expected enriched or pass-through`);
  const passThrough = values.variant === 'pass-through';
  const brokers = (values.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').filter((b) => b !== '');
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const out = values.out ?? path.join(os.tmpdir(), `enrich-${values.variant}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);

  const topics = new BenchTopics(brokers);
  try {
    await topics.connect();
    const input = await publishInput({ topics, brokers, seed, log }, records);
    log(`input: ${records} records in ${input.topic} (per partition ${input.perPartition.join('/')})`);
    const once = () => consumeOnce({ topics, brokers, input, passThrough, label: values.variant as string });
    log(`warm-up ${values.variant}: ${describeMeasurement(await once())}`);
    if (values['no-inspector']) {
      log(`measured ${values.variant}: ${describeMeasurement(await once())}`);
      return;
    }
    const m = await withCpuProfile(out, Number(values['interval-us']), once);
    log(`profiled ${values.variant}: ${describeMeasurement(m)}\nwrote ${out}`);
    const flags = process.execArgv.filter((a) => a.startsWith('--') && !a.startsWith('--require') && !a.startsWith('--import') && !a.startsWith('--loader'));
    const title =
      `\`${flags.length > 0 ? `node ${flags.join(' ')} --import tsx` : 'npx tsx'} bench/profile-enrich.ts --records ${records} --variant ${values.variant}\` on ${new Date().toISOString()}: ` +
      `one full consumption after a warm-up, ${Math.round(m.value).toLocaleString('en-US')} records/s while profiled (load average ${os.loadavg()[0]?.toFixed(2)})`;
    const text = report(out, top, title);
    console.log(text);
    const summaryFile = values.summary ?? path.join(repoRoot, 'bench', 'results', `enrich-profile${passThrough ? '-pass-through' : ''}.md`);
    fs.writeFileSync(summaryFile, `${text}\n`);
    log(`wrote ${path.relative(repoRoot, summaryFile)}`);
  } finally {
    await topics.cleanup();
  }
}

function report(file: string, top: number, title: string): string {
  return profileMarkdown(file, repoRoot, { heading: 'CPU profile of the enricher', writer: 'bench/profile-enrich.ts', title, top, idleMeans: 'waiting on the broker' });
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
