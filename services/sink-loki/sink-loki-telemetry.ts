import type { Logger } from '../../lib/telemetry';
import { counter, histogram, type Registry } from '../../lib/telemetry';

/** Every event of the Loki sink an operator sees: the log line and the metric, together. */
export class SinkLokiTelemetry {
  private readonly requests;
  private readonly pushSeconds;
  private readonly pushEntries;
  private readonly sentBytes;
  private readonly retries;
  private readonly requestFailures;
  private readonly rejected;
  private readonly splits;
  private readonly alreadyPresent;

  constructor(
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.requests = counter(registry, 'logpipe_sink_loki_push_requests_total', 'Push requests by HTTP status (or unreachable).', ['status']);
    this.pushSeconds = histogram(registry, 'logpipe_sink_loki_push_duration_seconds', 'Push round trips, encoding excluded.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]);
    this.pushEntries = histogram(registry, 'logpipe_sink_loki_push_entries', 'Entries per push request.', [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10000]);
    this.sentBytes = counter(registry, 'logpipe_sink_loki_sent_bytes_total', 'Push body bytes sent, by encoding stage: raw (before snappy) or body (on the wire).', ['stage']);
    this.retries = counter(registry, 'logpipe_sink_loki_retries_total', 'Entries sent again after a transient failure, by cause.', ['cause']);
    this.requestFailures = counter(registry, 'logpipe_sink_loki_request_failures_total', 'Pushes refused as a whole with a 4xx other than 400/429 (LOKISINK_REQUEST_FAILED), by status.', ['status']);
    this.rejected = counter(registry, 'logpipe_sink_loki_rejected_entries_total', 'Entries Loki refused for good (LOKISINK_REJECTED), sent to the dead-letter topic.');
    this.splits = counter(registry, 'logpipe_sink_loki_splits_total', 'Push requests halved after a 400 to isolate the refused entries.');
    this.alreadyPresent = counter(registry, 'logpipe_sink_loki_already_present_entries_total', "Entries of a partition's first batch after a group join that Loki already held (pushed by the partition's previous holder): not pushed again.");
  }

  pushAnswered(status: number | undefined, entries: number, rawBytes: number, bodyBytes: number, seconds: number): void {
    this.requests.inc({ status: status === undefined ? 'unreachable' : String(status) });
    this.pushSeconds.observe(seconds);
    this.pushEntries.observe(entries);
    this.sentBytes.inc({ stage: 'raw' }, rawBytes);
    this.sentBytes.inc({ stage: 'body' }, bodyBytes);
  }

  split(entries: number, status: number, reason: string): void {
    this.splits.inc();
    this.logger.debug({ entries, status, reason }, 'Loki refused part of a push; halving it to find the refused entries');
  }

  entryRejected(reason: string, source: { topic: string; partition: number; offset: string }): void {
    this.rejected.inc();
    this.logger.warn({ code: 'LOKISINK_REJECTED', ...source, reason }, 'Loki refused an entry for good; it goes to the dead-letter topic');
  }

  requestFailed(status: number, body: string, entries: number): void {
    this.requestFailures.inc({ status: String(status) });
    this.logger.error(
      { code: 'LOKISINK_REQUEST_FAILED', status, body: body.slice(0, 500), entries },
      'Loki refused the whole push (check the URL, credentials and tenant); retrying, the partition waits and nothing is skipped',
    );
  }

  takeoverChecked(entries: number, present: number, complete: boolean): void {
    this.alreadyPresent.inc(present);
    if (!complete) this.logger.warn({ entries, present }, 'Could not check every entry of a taken-over batch against Loki (too many in its time range); the rest is pushed and relies on Loki dropping identical entries');
    else if (present > 0) this.logger.info({ entries, present }, "Loki already held part of a taken-over batch (its previous holder pushed it, then lost the partition); those entries are not pushed again");
  }

  takeoverCheckFailed(attempt: number, entries: number, delayMs: number, reason: string): void {
    (attempt >= 5 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))(
      { attempt, entries, delayMs, reason },
      'Could not ask Loki which entries of a taken-over batch it holds; asking again (the partition waits, nothing is skipped)',
    );
  }

  retrying(attempt: number, entries: number, delayMs: number, cause: string, retryAfterMs: number | undefined): void {
    this.retries.inc({ cause }, entries);
    (attempt >= 5 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger))(
      { attempt, entries, delayMs, cause, retryAfterMs },
      'Loki did not take every entry; retrying them (the partition waits, nothing is skipped)',
    );
  }
}
