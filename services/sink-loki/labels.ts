/**
 * Stream labels as Loki accepts them. Loki indexes every distinct label set as a stream,
 * so only low-cardinality fields become labels; identifiers go to structured metadata.
 */

/** Prometheus' label name grammar, which Loki enforces on push. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface LabelPair {
  readonly name: string;
  readonly value: string;
}

/**
 * A valid label name: characters outside `[a-zA-Z0-9_]` become `_`, a leading digit gets a `_`
 * prefix, and the `__` prefix (reserved for Loki's internal labels) is reduced to one `_`.
 */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '') return '_';
  if (/^[0-9]/.test(out)) out = `_${out}`;
  while (out.startsWith('__')) out = out.slice(1);
  return out;
}

/**
 * A valid label value: well-formed UTF-8 (lone surrogates become U+FFFD, which Loki itself
 * substitutes for invalid bytes) of at most `maxBytes` bytes, cut at a character boundary.
 */
export function sanitizeLabelValue(value: string, maxBytes: number): string {
  const wellFormed = toWellFormed(value);
  if (wellFormed.length * 3 <= maxBytes || Buffer.byteLength(wellFormed) <= maxBytes) return wellFormed;
  const bytes = Buffer.from(wellFormed);
  let end = maxBytes;
  // Back up to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** String.prototype.toWellFormed (ES2024, beyond this project's lib setting). */
export function toWellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Sanitized pairs sorted by name, without empty values (an empty value is the same as no
 * label to Loki and Prometheus). When two names sanitize to the same one, the first wins.
 */
export function sanitizeLabels(raw: Readonly<Record<string, string>>, maxValueBytes: number): LabelPair[] {
  const byName = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    const clean = sanitizeLabelValue(value, maxValueBytes);
    const key = sanitizeLabelName(name);
    if (clean !== '' && !byName.has(key)) byName.set(key, clean);
  }
  return [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
}

/**
 * The stream selector text that logproto's StreamAdapter.labels carries, e.g.
 * `{component="api", job="dfs"}`. Loki parses it as a PromQL selector, whose string
 * literals take Go escapes; JSON.stringify's escapes (\" \\ \n \uXXXX) are a subset.
 */
export function labelsText(pairs: readonly LabelPair[]): string {
  return `{${pairs.map((p) => `${p.name}=${JSON.stringify(p.value)}`).join(', ')}}`;
}
