/** Where the tests' Kafka, Elasticsearch and Loki come from. */
export interface Endpoints {
  /** Comma-separated host:port list, as KAFKA_BROKERS. */
  readonly kafkaBrokers: string;
  readonly esUrl: string;
  readonly lokiUrl: string;
}

export interface ServerProvider {
  readonly description: string;
  /** Makes the servers available and returns where they are. */
  start(): Promise<Endpoints>;
  /** Stops only what `start` started. */
  stop(): Promise<void>;
}
