import { sleepWithHeartbeats } from '../../../../lib/runner/sleep-with-heartbeats';

describe('sleepWithHeartbeats', () => {
  it('heartbeats every interval through a long back-off, once more at its end, and takes the whole back-off', async () => {
    const beats: number[] = [];
    const start = Date.now();
    await sleepWithHeartbeats(300, async () => void beats.push(Date.now() - start), 50);
    expect(Date.now() - start).toBeGreaterThanOrEqual(299);
    expect(beats.length).toBe(6); // 50, 100, ..., 300
    const gaps = beats.map((t, i) => t - (beats[i - 1] ?? 0));
    expect(Math.max(...gaps)).toBeLessThan(150); // never a silence much longer than the interval
  });

  it('sleeps a short back-off in one piece', async () => {
    const heartbeat = jest.fn(() => Promise.resolve());
    await sleepWithHeartbeats(20, heartbeat, 3_000);
    expect(heartbeat).toHaveBeenCalledTimes(1);
  });

  it('stops at a heartbeat that fails (the member lost the group), with its error', async () => {
    const heartbeat = jest.fn(() => Promise.reject(new Error('The coordinator is not aware of this member')));
    const started = Date.now();
    await expect(sleepWithHeartbeats(5_000, heartbeat, 20)).rejects.toThrow('The coordinator is not aware of this member');
    expect(heartbeat).toHaveBeenCalledTimes(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
