import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { deleteIndicesOfPrefix } from './es-prefix-cleanup';
import { KafkaTestTopics } from './kafka-test-topics';
import { ServiceProcesses } from './service-processes';
import { testEndpoints } from './test-endpoints';
import { uniqueName } from './unique-name';

/** What an end-to-end test with service processes owns: topics, processes, an index prefix, a temp dir; all gone after `cleanup`. */
export class E2eFixture {
  readonly topics = new KafkaTestTopics();
  readonly processes = new ServiceProcesses();
  readonly es = new Client({ node: testEndpoints().esUrl });
  readonly prefix: string;
  readonly dir: string;

  constructor(name: string) {
    this.prefix = uniqueName(`${name}-logs`);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `logpipe-${name}-`));
  }

  async cleanup(): Promise<void> {
    await this.processes.stopAll();
    await deleteIndicesOfPrefix(this.es, this.prefix);
    await this.es.close();
    await this.topics.cleanup();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
