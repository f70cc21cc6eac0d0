import type { ManagedProcess } from '../managed-process';

/** One real server of the local stack, run as a process on 127.0.0.1. */
export interface LocalServer {
  readonly name: string;
  /** Ports it listens on; all must be free before it starts. */
  readonly ports: readonly number[];
  /** What a client connects to, e.g. `127.0.0.1:9092` or `http://127.0.0.1:9200`. */
  readonly endpoint: string;
  readonly process: ManagedProcess;
  /** Its stdout and stderr. */
  readonly logFile: string;
  /** Logs the server writes itself, where its start-up failures may be (tailed with logFile when a start fails). */
  readonly ownLogFiles?: readonly string[];
  /** How long a cold start may take before it is declared failed. */
  readonly startTimeoutMs: number;
  /** Downloads or builds into the cache when missing; a no-op when already there. */
  install(): Promise<void>;
  /** Writes its configuration and spawns it (the caller checked it is not running). */
  start(): Promise<void>;
  isHealthy(): Promise<boolean>;
  /** Work that needs the server up (e.g. creating users); run after every start, so it must be idempotent. */
  afterHealthy?(): Promise<void>;
}
