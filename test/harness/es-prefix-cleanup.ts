import type { Client } from '@elastic/elasticsearch';

/** Deletes a test's daily indices and the index template the sink installed for its prefix. */
export async function deleteIndicesOfPrefix(es: Client, prefix: string): Promise<void> {
  await es.indices.delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
  await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
}
