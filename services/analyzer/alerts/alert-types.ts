import type { AlertRule } from '../rules/rule-schema';

export const ALERT_EVENT_SCHEMA = 'io.logpipe.AlertEvent';

/** schemas/alert-event.avsc as avsc reads and writes it. */
export interface AlertEvent {
  alert_id: string;
  rule_id: string;
  rule_name: string;
  severity: AlertRule['severity'];
  status: 'FIRING' | 'RESOLVED';
  kind: AlertRule['kind'];
  group_key: string;
  group: Record<string, string>;
  window_start: number;
  window_end: number;
  count: number;
  total: number;
  value: number;
  threshold: number;
  notification: number;
  message: string;
  sample_log_ids: string[];
}

/** One hop-sized slice of a rule group's records (schemas: RuleBucket). */
export interface RuleBucket {
  start: number;
  matched: number;
  total: number;
  samples: string[];
}

/** Where one rule group stands (schemas: RuleState), kept in the merge stage's changelog. */
export interface RuleState {
  rule_id: string;
  group_key: string;
  group: Record<string, string>;
  buckets: RuleBucket[];
  next_eval_end: number;
  firing_since: number | null;
  notifications: number;
  last_notified_end: number;
}
