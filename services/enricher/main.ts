/**
 * The enricher process: configured by environment variables (see README), optionally a JSON
 * file named by LOGPIPE_CONFIG_FILE. Exits 0 after a graceful SIGTERM/SIGINT, 1 on a failure.
 */
import { runService } from '../../lib/runner/run-service';
import { enricherConfigFromEnv } from './enricher-config';
import { Enricher } from './enricher';

runService({
  name: 'enricher',
  loadConfig: () => enricherConfigFromEnv(process.env),
  build: (config, deps) => new Enricher(config, deps),
});
