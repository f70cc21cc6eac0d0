const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM/SIGINT: runs `close` (which flushes), then, if nobody else handles the signal,
 * raises it again so the process ends the way it would have without us.
 */
export class SignalCloser {
  private readonly handler = (signal: NodeJS.Signals): void => {
    this.dispose();
    void this.close().finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  };

  constructor(
    private readonly enabled: boolean,
    private readonly close: () => Promise<unknown>,
  ) {
    if (enabled) for (const signal of SIGNALS) process.on(signal, this.handler);
  }

  dispose(): void {
    if (this.enabled) for (const signal of SIGNALS) process.off(signal, this.handler);
  }
}
