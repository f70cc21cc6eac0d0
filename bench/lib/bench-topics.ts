import crypto from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopicsAndWait, fetchCommittedOffsets } from '../../lib/kafka';
import { createLogger } from '../../lib/telemetry';

/** Topic creation retries a broker that does not know a new topic yet; only a final failure matters here. */
const TOPIC_SETUP_LOGGER = createLogger({ name: 'logpipe-bench', level: 'error' });

/** Creates uniquely named `bench-*` topics and deletes them all at the end of the run. */
export class BenchTopics {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private readonly created: string[] = [];

  constructor(brokers: readonly string[]) {
    this.kafka = new Kafka({ clientId: 'logpipe-bench-admin', brokers: [...brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3_000 });
  }

  /** Fails with one sentence when no broker answers. */
  async connect(): Promise<void> {
    if (this.admin !== undefined) return;
    const admin = this.kafka.admin({ retry: { retries: 1 } });
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      throw new Error(`No Kafka broker answers (${(err as Error).message}); start the local one with \`npm run stack -- up\` or pass --brokers.`);
    }
    this.admin = admin;
  }

  async create(prefix: string, partitions: number): Promise<string> {
    const admin = await this.connectedAdmin();
    const topic = `bench-${prefix}-${Math.floor(Date.now() / 1000)}-${crypto.randomBytes(4).toString('hex')}`;
    this.created.push(topic);
    await createTopicsAndWait(admin, [{ topic, numPartitions: partitions, replicationFactor: 1 }], TOPIC_SETUP_LOGGER);
    return topic;
  }

  /** Records the topic holds: sum of its partitions' end minus start offsets. */
  async countRecords(topic: string): Promise<number> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  }

  /** End offset (high watermark) of every partition of the topic. */
  async endOffsets(topic: string): Promise<Map<number, number>> {
    const offsets = await (await this.connectedAdmin()).fetchTopicOffsets(topic);
    return new Map(offsets.map((p) => [p.partition, Number(p.high)]));
  }

  /** Offsets a consumer group has committed on the topic's partitions (-1: none yet). */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    return fetchCommittedOffsets(await this.connectedAdmin(), groupId, topic);
  }

  /** Deletes topics of this run before the end (e.g. a scenario's large outputs); unknown ones are ignored. */
  async delete(topics: readonly string[]): Promise<void> {
    const mine = topics.filter((t) => this.created.includes(t));
    if (mine.length === 0) return;
    await (await this.connectedAdmin()).deleteTopics({ topics: mine });
    for (const t of mine) this.created.splice(this.created.indexOf(t), 1);
  }

  /** Deletes (empty) consumer groups a scenario used; failures are ignored. */
  /** Deletes topics this run did not create itself (e.g. a service's internal topics). */
  async deleteOthers(topics: readonly string[]): Promise<void> {
    await (await this.connectedAdmin()).deleteTopics({ topics: [...topics] }).catch(() => undefined);
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await (await this.connectedAdmin()).deleteGroups([...groupIds]).catch(() => undefined);
  }

  async cleanup(): Promise<void> {
    if (this.admin === undefined) return;
    const topics = this.created.splice(0);
    if (topics.length > 0) await this.admin.deleteTopics({ topics }).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    this.admin = undefined;
  }

  private async connectedAdmin(): Promise<Admin> {
    await this.connect();
    return this.admin as Admin;
  }
}
