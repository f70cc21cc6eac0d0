import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { committedTotal, createTopicsAndWait, fetchCommittedOffsets } from '../../lib/kafka';
import { createLogger } from '../../lib/telemetry';
import { testEndpoints } from './test-endpoints';
import { uniqueName } from './unique-name';

/** Topic creation retries a broker that does not know a new topic yet; only a final failure matters here. */
const TOPIC_SETUP_LOGGER = createLogger({ name: 'logpipe-test', level: 'silent' });

/** Creates uniquely named topics for one test file and deletes them afterwards. */
export class KafkaTestTopics {
  readonly kafka = new Kafka({ clientId: 'logpipe-test', brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  private admin: Admin | undefined;
  private readonly created: string[] = [];

  async create(prefix: string, partitions = 3, configs: Record<string, string> = {}): Promise<string> {
    return this.createNamed(uniqueName(prefix), partitions, configs);
  }

  /** Creates `topic` by that exact name (a test that names it before it exists). */
  async createNamed(topic: string, partitions = 3, configs: Record<string, string> = {}): Promise<string> {
    const admin = await this.connectedAdmin();
    const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], TOPIC_SETUP_LOGGER);
    this.created.push(topic);
    return topic;
  }

  /** Reads exactly `count` messages from the beginning of `topic` (fails after `timeoutMs`). */
  async consume(topic: string, count: number, timeoutMs = 60_000): Promise<Array<KafkaMessage & { partition: number }>> {
    const consumer = this.kafka.consumer({ groupId: uniqueName('test-reader'), maxBytes: 10 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const messages: Array<KafkaMessage & { partition: number }> = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            eachBatchAutoResolve: true,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) messages.push({ ...message, partition: batch.partition });
              if (messages.length >= count) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }

  /**
   * Reads everything `topic` holds (read_committed): until `expected` messages arrived and then
   * nothing more for `idleMs`, so duplicates beyond the expected count are seen, not cut off.
   */
  async drain(topic: string, expected: number, idleMs = 3_000, timeoutMs = 180_000): Promise<Array<KafkaMessage & { partition: number }>> {
    const consumer = this.kafka.consumer({ groupId: uniqueName('test-drain'), maxBytes: 10 * 1024 * 1024 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const messages: Array<KafkaMessage & { partition: number }> = [];
    let lastArrival = Date.now();
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) messages.push({ ...message, partition: batch.partition });
        lastArrival = Date.now();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && (messages.length < expected || Date.now() - lastArrival < idleMs)) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    return messages;
  }

  /** Sum of the partitions' end offsets: how many records the topic holds. */
  async countRecords(topic: string): Promise<number> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  /** How many records of `topic` the group has committed past (sum over partitions). */
  async committed(groupId: string, topic: string): Promise<number> {
    return committedTotal(await fetchCommittedOffsets(await this.connectedAdmin(), groupId, topic));
  }

  async cleanup(): Promise<void> {
    if (this.admin === undefined) return;
    if (this.created.length > 0) await this.admin.deleteTopics({ topics: this.created.splice(0) }).catch(() => undefined);
    await this.admin.disconnect();
    this.admin = undefined;
  }

  private async connectedAdmin(): Promise<Admin> {
    if (this.admin === undefined) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }
}
