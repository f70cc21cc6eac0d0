/** The sink-es process; configured by environment variables (README), exits 0 after SIGTERM. */
import { runService } from '../../lib/runner/run-service';
import { sinkEsConfigFromEnv } from './config';
import { SinkEsService } from './sink-es-service';

runService({
  name: 'sink-es',
  loadConfig: () => sinkEsConfigFromEnv(process.env),
  build: (config, deps) => new SinkEsService(config, deps),
});
