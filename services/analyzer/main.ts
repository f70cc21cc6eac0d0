/** The analyzer process; configured by environment variables (README), exits 0 after SIGTERM. */
import { runService } from '../../lib/runner/run-service';
import { AnalyzerService } from './analyzer-service';
import { analyzerConfigFromEnv } from './config';

runService({
  name: 'analyzer',
  loadConfig: () => analyzerConfigFromEnv(process.env),
  build: (config, deps) => new AnalyzerService(config, deps),
});
