import { LocalStack, SERVER_NAMES, type ServerName } from './local-stack';
import { stackConfigFromEnv } from './stack-config';
import { StackError } from './stack-error';

const USAGE = `Usage: npm run stack -- <up|down|status> [kafka] [elasticsearch] [loki]

  up       install what is missing, start what is not running, wait until healthy
  down     stop the servers (SIGTERM, then SIGKILL after 30 s); no process is left behind
  status   show which servers run and answer their health check (exit 1 if any does not)

Environment: LOGPIPE_STACK_DIR (run directory, default .stack), LOGPIPE_STACK_CACHE (downloads),
LOGPIPE_STACK_{KAFKA,KAFKA_CONTROLLER,ES,ES_TRANSPORT,LOKI,LOKI_GRPC}_PORT.`;

function parseNames(args: readonly string[]): ServerName[] {
  if (args.length === 0) return [...SERVER_NAMES];
  return args.map((arg) => {
    if (!(SERVER_NAMES as readonly string[]).includes(arg)) {
      throw new StackError(`Unknown server '${arg}'; expected one of ${SERVER_NAMES.join(', ')}.`);
    }
    return arg as ServerName;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  const stack = new LocalStack(stackConfigFromEnv());
  const names = parseNames(rest);
  switch (command) {
    case 'up': {
      const started = Date.now();
      await stack.up(names, (line) => console.log(line));
      console.log(`stack is up in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
      for (const s of await stack.status(names)) console.log(`  ${s.name.padEnd(14)} ${s.endpoint}`);
      console.log('  export KAFKA_BROKERS=%s ES_URL=%s LOKI_URL=%s', stack.server('kafka').endpoint, stack.server('elasticsearch').endpoint, stack.server('loki').endpoint);
      return 0;
    }
    case 'down':
      await stack.down(names);
      console.log(`stopped: ${names.join(', ')}`);
      return 0;
    case 'status': {
      const statuses = await stack.status(names);
      for (const s of statuses) {
        const state = s.healthy ? 'healthy' : s.running ? 'running, not healthy' : 'stopped';
        console.log(`${s.name.padEnd(14)} ${state.padEnd(22)} ${s.endpoint.padEnd(24)} pid=${s.pid ?? '-'} log=${s.logFile}`);
      }
      return statuses.every((s) => s.healthy) ? 0 : 1;
    }
    default:
      throw new StackError(`Unknown command '${command}'.\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError) console.error(err.message);
    else console.error(`Unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
