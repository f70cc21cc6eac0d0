#!/usr/bin/env node
/**
 * logpipe: one command for everything a user does with the pipeline.
 * Exit codes: 0 done, 1 failed (the message says why), 2 bad usage.
 */
import { isLogpipeError } from '../lib/errors';
import { DLQ_USAGE, runDlq } from '../ops/dlq-command';
import { OpsUsageError } from '../ops/kafka-admin';
import { LAG_USAGE, runLag } from '../ops/lag-command';
import { REPLAY_USAGE, runReplay } from '../ops/replay-command';
import { runTopics, TOPICS_USAGE } from '../ops/topics-command';
import { ALERTS_USAGE, AnalyzerUsageError, REPORT_USAGE, runAlerts, runReport } from '../services/analyzer/analyzer-commands';
import { PRODUCE_USAGE, runProduce, UsageError } from '../services/producer/produce-command';
import { QueryUsageError, runSearch, runStats, SEARCH_USAGE, STATS_USAGE } from '../services/sink-es/query-commands';
import { LABELS_USAGE, LOGQL_USAGE, runLabelValues, runLogQuery } from '../services/sink-loki/query-commands';

const USAGE = `Usage: logpipe <command> [options]

Commands:
  topics      create or describe the pipeline's topics (idempotent)
  replay      move a service's consumer group back (earliest, a time, a duration) to reprocess
  dlq         list dead letters with their reasons; re-publish selected ones to their source
  lag         consumer lag per group and partition
  produce     publish synthetic or file-based logs to Kafka (load generator)
  search      search the logs in Elasticsearch (level, component, node, time, text)
  stats       counts by level, component and node, and an hourly histogram
  logql       run a LogQL query over a time range in Loki (lines or --json)
  labels      list a label's values in Loki (e.g. every component), or the label names
  report      an analyzer window summary as a Markdown report
  alerts tail print alert events as they arrive (any Kafka client can do the same)

Run \`logpipe <command> --help\` for a command's options.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  switch (command) {
    case 'produce':
      if (wantsHelp) return help(PRODUCE_USAGE);
      await runProduce(rest, (line) => console.log(line));
      return 0;
    case 'search':
      return wantsHelp ? help(SEARCH_USAGE) : runSearch(rest, (line) => console.log(line));
    case 'stats':
      return wantsHelp ? help(STATS_USAGE) : runStats(rest, (line) => console.log(line));
    case 'topics':
      return wantsHelp ? help(TOPICS_USAGE) : runTopics(rest, (line) => console.log(line));
    case 'replay':
      return wantsHelp ? help(REPLAY_USAGE) : runReplay(rest, (line) => console.log(line));
    case 'dlq':
      return wantsHelp ? help(DLQ_USAGE) : runDlq(rest, (line) => console.log(line));
    case 'lag':
      return wantsHelp ? help(LAG_USAGE) : runLag(rest, (line) => console.log(line));
    case 'logql':
      return wantsHelp ? help(LOGQL_USAGE) : runLogQuery(rest, (line) => console.log(line));
    case 'labels':
      return wantsHelp ? help(LABELS_USAGE) : runLabelValues(rest, (line) => console.log(line));
    case 'report':
      return wantsHelp ? help(REPORT_USAGE) : runReport(rest, (line) => console.log(line));
    case 'alerts':
      return wantsHelp ? help(ALERTS_USAGE) : runAlerts(rest, (line) => console.log(line));
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command '${command}'.\n${USAGE}`);
      return 2;
  }
}

function help(text: string): number {
  console.log(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError || err instanceof QueryUsageError || err instanceof AnalyzerUsageError || err instanceof OpsUsageError || (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'));
    console.error(isLogpipeError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err));
    process.exit(usage ? 2 : 1);
  },
);
