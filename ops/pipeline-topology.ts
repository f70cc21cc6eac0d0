/**
 * What the pipeline consists of, as the operations commands see it: its topics with their
 * settings, and per service the consumer groups and topics a replay resets.
 */
export interface TopicSpec {
  readonly name: string;
  readonly purpose: string;
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact';
}

const DAY = 86_400_000;

export const PIPELINE_TOPICS: readonly TopicSpec[] = [
  { name: 'logs.raw', purpose: 'LogRecords from the producers', retentionMs: 7 * DAY, cleanupPolicy: 'delete' },
  { name: 'logs.enriched', purpose: 'EnrichedRecords for the sinks and the analyzer', retentionMs: 7 * DAY, cleanupPolicy: 'delete' },
  { name: 'logs.dlq', purpose: 'dead letters with their reason, kept long enough to fix and re-publish', retentionMs: 30 * DAY, cleanupPolicy: 'delete' },
  { name: 'logs.alerts', purpose: 'AlertEvents', retentionMs: 30 * DAY, cleanupPolicy: 'delete' },
  // Keyed by window start: compaction keeps the latest summary of each window (a replay re-publishes it).
  { name: 'logs.summaries', purpose: 'WindowSummaries, keyed by window start', retentionMs: 30 * DAY, cleanupPolicy: 'compact' },
];

export type ServiceName = 'enricher' | 'sink-es' | 'sink-loki' | 'analyzer';

export interface ServiceGroups {
  /** The group a replay moves. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Groups that must be idle too, and are deleted by a replay (state derived from the input). */
  readonly derivedGroups: readonly string[];
  /** Internal topics a replay deletes; the service recreates them. */
  readonly derivedTopics: readonly string[];
}

/** Default groups and topics of each service (the env defaults of their configs). */
export function serviceGroups(service: ServiceName, groupId?: string): ServiceGroups {
  switch (service) {
    case 'enricher':
      return { groupId: groupId ?? 'logpipe-enricher', topics: ['logs.raw'], derivedGroups: [], derivedTopics: [] };
    case 'sink-es':
      return { groupId: groupId ?? 'logpipe-sink-es', topics: ['logs.enriched'], derivedGroups: [], derivedTopics: [] };
    case 'sink-loki':
      return { groupId: groupId ?? 'logpipe-sink-loki', topics: ['logs.enriched'], derivedGroups: [], derivedTopics: [] };
    case 'analyzer': {
      const g = groupId ?? 'logpipe-analyzer';
      // An application reset, as for Kafka Streams: the merge state is derived from the input.
      return { groupId: g, topics: ['logs.enriched'], derivedGroups: [`${g}.merge`], derivedTopics: [`${g}.partials`, `${g}.state`] };
    }
  }
}

export const SERVICES: readonly ServiceName[] = ['enricher', 'sink-es', 'sink-loki', 'analyzer'];
