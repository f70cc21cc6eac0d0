/** One document ready for the bulk API, with the position of its input in the batch. */
export interface BulkItem {
  readonly inputIndex: number;
  /** `{"index":{...}}\n{doc}\n` */
  readonly lines: string;
  readonly bytes: number;
}

/** A bulk request body with the items it carries, in body order (the response's order). */
export interface BulkRequest {
  readonly items: readonly BulkItem[];
  readonly body: string;
  readonly bytes: number;
}

export function bulkItem(inputIndex: number, index: string, id: string, document: unknown): BulkItem {
  const lines = `${JSON.stringify({ index: { _index: index, _id: id } })}\n${JSON.stringify(document)}\n`;
  return { inputIndex, lines, bytes: Buffer.byteLength(lines) };
}

/** Splits items into bulk requests of at most `maxDocs` documents and `maxBytes` bytes (at least one each). */
export function buildBulkRequests(items: readonly BulkItem[], maxDocs: number, maxBytes: number): BulkRequest[] {
  const requests: BulkRequest[] = [];
  let current: BulkItem[] = [];
  let bytes = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    requests.push({ items: current, body: current.map((i) => i.lines).join(''), bytes });
    current = [];
    bytes = 0;
  };
  for (const item of items) {
    if (current.length >= maxDocs || (current.length > 0 && bytes + item.bytes > maxBytes)) flush();
    current.push(item);
    bytes += item.bytes;
  }
  flush();
  return requests;
}
