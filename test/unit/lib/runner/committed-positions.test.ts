import { CommittedPositions } from '../../../../lib/runner/committed-positions';

const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ offset: String(from + i) }));
const committed = (entries: Array<[number, number, string | null]>) => new Map(entries.map(([p, offset, metadata]) => [p, { offset, metadata }]));

describe('CommittedPositions', () => {
  it('skips what the previous holder committed after kafkajs read its starting offset, then steps aside', () => {
    const positions = new CommittedPositions();
    positions.reset([0, 1], committed([[0, 150, null], [1, -1, null]]));
    // kafkajs started partition 0 at 100 (the offset before the previous holder's last commit).
    expect(positions.notYetCommitted(0, records(100, 139))).toEqual({ kept: [], skipped: 40 });
    const second = positions.notYetCommitted(0, records(140, 199));
    expect(second.skipped).toBe(10);
    expect(second.kept.map((m) => m.offset)).toEqual(records(150, 199).map((m) => m.offset));
    // Passed: later batches are not filtered, even if they went back (a retried batch).
    expect(positions.notYetCommitted(0, records(120, 130)).skipped).toBe(0);
    // Nothing committed on partition 1: nothing to skip.
    expect(positions.notYetCommitted(1, records(0, 9)).skipped).toBe(0);
  });

  it('forgets the positions of the previous assignment', () => {
    const positions = new CommittedPositions();
    positions.reset([0], committed([[0, 50, null]]));
    positions.reset([1], committed([[0, 50, null], [1, 10, null]]));
    expect(positions.notYetCommitted(0, records(0, 9)).skipped).toBe(0);
    expect(positions.notYetCommitted(1, records(0, 19))).toMatchObject({ skipped: 10 });
  });

  it('moves the commit past a trailing transaction marker, keeping the metadata of the last commit', () => {
    const positions = new CommittedPositions();
    positions.reset([0, 1], committed([[0, 40, '{"watermark":7}']]));
    expect(positions.afterInvisibleRecords(0, 40n)).toBeUndefined();
    expect(positions.afterInvisibleRecords(0, 41n)).toEqual({ offset: 41n, metadata: '{"watermark":7}' });
    positions.committed(0, 60n, '{"watermark":9}');
    expect(positions.afterInvisibleRecords(0, 55n)).toBeUndefined();
    expect(positions.afterInvisibleRecords(0, 61n)).toEqual({ offset: 61n, metadata: '{"watermark":9}' });
    expect(positions.afterInvisibleRecords(1, 1n)).toEqual({ offset: 1n, metadata: undefined });
  });
});
