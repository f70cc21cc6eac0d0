/** The sink-loki process; configured by environment variables (README), exits 0 after SIGTERM. */
import { runService } from '../../lib/runner/run-service';
import { sinkLokiConfigFromEnv } from './config';
import { SinkLokiService } from './sink-loki-service';

runService({
  name: 'sink-loki',
  loadConfig: () => sinkLokiConfigFromEnv(process.env),
  build: (config, deps) => new SinkLokiService(config, deps),
});
