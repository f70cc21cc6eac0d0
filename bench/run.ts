/**
 * `npm run bench [-- --quick] [--seed N] [--repetitions N] [--scenario NAME] [--brokers LIST] [--profile VARIANT]`
 *
 * Runs the scenarios of bench/scenarios/, prints a results table and writes
 * bench/results/latest.json and docs/BENCHMARKS.md (`--quick`: bench/results/quick.{json,md}).
 * Each scenario keeps its latest result there: a `--scenario` run replaces only its own.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchTopics } from './lib/bench-topics';
import { profileMarkdown } from './lib/cpu-profile';
import type { ProfileRequest } from './lib/runner';
import { describeEnvironment, finishEnvironment, scenarioEnvironment } from './lib/environment';
import { installKafkaTools, javaExecutable } from '../stack/kafka-tools';
import { mergeResults, readResults, resultsTable, writeJson, writeMarkdown, type BenchResults } from './lib/report';
import type { ScenarioResult } from './lib/scenario';
import { SCENARIOS } from './scenarios';

const USAGE = `Usage: npm run bench [-- options]

  --quick             smoke run: tiny counts, writes bench/results/quick.{json,md} only
  --seed N            seed of the synthetic data (default 1)
  --repetitions N     measured repetitions per scenario (default: the scenario's, 5 for produce and enrich)
  --scenario NAME     run only this scenario (repeatable); one of: ${SCENARIOS.map((s) => s.name).join(', ')}
  --brokers LIST      Kafka bootstrap servers (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --profile VARIANT   run the measured repetitions of this variant (e.g. sink-loki, enriched) under
                      V8's CPU profiler: .cpuprofile files in the system temp directory and a
                      summary of the last one in bench/results/profile-VARIANT.md`;

const repoRoot = path.resolve(__dirname, '..');

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string' },
      repetitions: { type: 'string' },
      scenario: { type: 'string', multiple: true },
      brokers: { type: 'string' },
      profile: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seed = integer('seed', values.seed, 1, () => true);
  const repetitions = values.repetitions === undefined ? undefined : integer('repetitions', values.repetitions, 1, (n) => n >= 1);
  const unknown = (values.scenario ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new UsageError(`unknown scenario ${unknown.join(', ')}; expected one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const selected = values.scenario === undefined ? SCENARIOS : SCENARIOS.filter((s) => values.scenario?.includes(s.name));
  const brokers = (values.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').filter((b) => b !== '');
  const quick = values.quick === true;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);

  const topics = new BenchTopics(brokers);
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: deleting the bench topics...`);
    void topics.cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const profile: ProfileRequest | undefined =
    values.profile === undefined ? undefined : { variantId: values.profile, dir: path.join(os.tmpdir(), `logpipe-bench-profile-${Date.now()}`), written: [] };
  const results: ScenarioResult[] = [];
  const toolsLib = await installKafkaTools(log);
  const environment = describeEnvironment(commandLine(argv), javaExecutable(), toolsLib);
  try {
    await topics.connect();
    for (const scenario of selected) {
      log(`[${scenario.name}] ${scenario.title}${quick ? ' (quick)' : ''}`);
      const scenarioEnv = scenarioEnvironment(environment);
      const result = await scenario.run({ quick, seed, repetitions, brokers, topics, log, profile });
      finishEnvironment(scenarioEnv);
      results.push({ ...result, environment: scenarioEnv });
    }
  } finally {
    await topics.cleanup();
  }
  finishEnvironment(environment);

  const thisRun: BenchResults = { format: 1, quick, seed, environment, scenarios: results };
  const json = path.join(repoRoot, 'bench', 'results', quick ? 'quick.json' : 'latest.json');
  const markdown = quick ? path.join(repoRoot, 'bench', 'results', 'quick.md') : path.join(repoRoot, 'docs', 'BENCHMARKS.md');
  // Keep the other scenarios' latest results: a `--scenario` run replaces only its own.
  const report = mergeResults(readResults(json), thisRun, SCENARIOS.map((s) => s.name));
  writeJson(json, report);
  writeMarkdown(markdown, report, json);
  // After the results: a --profile that matched no variant must not cost the run's figures.
  if (profile !== undefined) writeProfileSummary(profile, argv, log);
  const kept = report.scenarios.filter((s) => !results.includes(s)).map((s) => s.name);
  console.log(`\n${resultsTable(thisRun)}\n\nwrote ${path.relative(repoRoot, json)} and ${path.relative(repoRoot, markdown)}${kept.length > 0 ? ` (kept the earlier results of ${kept.join(', ')})` : ''}`);
  return 0;
}

/** Summarizes the last profiled repetition (the others stay beside it for comparison). */
function writeProfileSummary(profile: ProfileRequest, argv: readonly string[], log: (line: string) => void): void {
  const last = profile.written.at(-1);
  if (last === undefined) {
    log(`--profile ${profile.variantId}: no selected scenario has a variant of that id; nothing was profiled`);
    return;
  }
  const summary = path.join(repoRoot, 'bench', 'results', `profile-${profile.variantId}.md`);
  const title =
    `\`${commandLine(argv)}\` on ${new Date().toISOString()}: the last of ${profile.written.length} profiled measured repetitions of \`${profile.variantId}\` ` +
    `(${path.basename(last)}; all in ${profile.dir}; load average ${os.loadavg()[0]?.toFixed(2)})`;
  fs.writeFileSync(summary, profileMarkdown(last, repoRoot, { heading: `CPU profile of the bench variant \`${profile.variantId}\``, writer: 'npm run bench -- --profile', title, top: 20, idleMeans: 'waiting on I/O' }));
  log(`wrote ${path.relative(repoRoot, summary)}`);
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || !check(n)) throw new UsageError(`--${name} is ${JSON.stringify(raw)}, expected ${name === 'seed' ? 'an integer' : 'a positive integer'}`);
  return n;
}

function commandLine(argv: readonly string[]): string {
  return argv.length === 0 ? 'npm run bench' : `npm run bench -- ${argv.join(' ')}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // kafkajs errors carry a numeric code: only Node's own string codes name a bad argument.
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
