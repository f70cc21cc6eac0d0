/** The five levels of the standardized log entry, lowest first. */
export const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Level = (typeof LEVELS)[number];

export const SEVERITY: Readonly<Record<Level, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** Spellings apps and logging libraries use, lowercased, mapped to the five levels. */
const ALIASES: Readonly<Record<string, Level>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  information: 'INFO',
  notice: 'INFO',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
  err: 'ERROR',
  critical: 'CRITICAL',
  crit: 'CRITICAL',
  fatal: 'CRITICAL',
  alert: 'CRITICAL',
  emerg: 'CRITICAL',
  emergency: 'CRITICAL',
  panic: 'CRITICAL',
};

/** The level an input names (any case, any alias above), or undefined when it names none. */
export function normalizeLevel(input: unknown): Level | undefined {
  if (typeof input !== 'string') return undefined;
  return ALIASES[input.trim().toLowerCase()];
}

export const LEVEL_INPUTS: readonly string[] = Object.keys(ALIASES);
