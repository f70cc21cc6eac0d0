import { CommittedFloor } from '../../../../lib/runner/committed-floor';

const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ offset: String(from + i) }));

describe('CommittedFloor', () => {
  it('skips what the previous holder committed after kafkajs read its starting offset, then steps aside', () => {
    const floor = new CommittedFloor();
    floor.reset([0, 1], new Map([[0, 150], [1, -1]]));
    // kafkajs started partition 0 at 100 (the offset before the previous holder's last commit).
    expect(floor.filter(0, records(100, 139))).toEqual({ kept: [], skipped: 40 });
    const second = floor.filter(0, records(140, 199));
    expect(second.skipped).toBe(10);
    expect(second.kept.map((m) => m.offset)).toEqual(records(150, 199).map((m) => m.offset));
    // Passed: later batches are not filtered, even if they went back (a retried batch).
    expect(floor.filter(0, records(120, 130)).skipped).toBe(0);
    // Nothing committed on partition 1: nothing to skip.
    expect(floor.filter(1, records(0, 9)).skipped).toBe(0);
  });

  it('forgets the floors of the previous assignment', () => {
    const floor = new CommittedFloor();
    floor.reset([0], new Map([[0, 50]]));
    floor.reset([1], new Map([[0, 50], [1, 10]]));
    expect(floor.filter(0, records(0, 9)).skipped).toBe(0);
    expect(floor.filter(1, records(0, 19))).toMatchObject({ skipped: 10 });
  });
});
