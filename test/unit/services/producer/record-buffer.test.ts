import { RecordBuffer, recordBytes, type BufferedRecord } from '../../../../services/producer/record-buffer';

const rec = (i: number, bytes = 10): BufferedRecord => ({ key: 'k', value: Buffer.alloc(bytes - 1, i) });
/** What one default record counts for, Kafka's per-record overhead included. */
const SIZE = recordBytes(rec(0));

describe('RecordBuffer', () => {
  it('hands out records in arrival order, bounded per batch by count and bytes', () => {
    const buffer = new RecordBuffer({ maxRecords: 100, maxBytes: 10_000 }, 'block', () => undefined);
    for (let i = 0; i < 10; i++) void buffer.offer(rec(i));
    expect(buffer.take(4, 10_000).map((r) => r.value[0])).toEqual([0, 1, 2, 3]);
    expect(buffer.take(100, SIZE * 2.5).map((r) => r.value[0])).toEqual([4, 5]);
    expect(buffer.size).toBe(4);
    expect(buffer.byteSize).toBe(SIZE * 4);
  });

  it('block: a caller waits for room and gets in, in order, when the sender takes a batch', async () => {
    const buffer = new RecordBuffer({ maxRecords: 2, maxBytes: 10_000 }, 'block', () => undefined);
    await expect(buffer.offer(rec(1))).resolves.toBe(true);
    await expect(buffer.offer(rec(2))).resolves.toBe(true);
    let third: boolean | undefined;
    void buffer.offer(rec(3)).then((v) => (third = v));
    await Promise.resolve();
    expect(third).toBeUndefined();
    expect(buffer.waiting).toBe(1);
    expect(buffer.take(1, 10_000).map((r) => r.value[0])).toEqual([1]);
    await Promise.resolve();
    expect(third).toBe(true);
    expect(buffer.take(10, 10_000).map((r) => r.value[0])).toEqual([2, 3]);
  });

  it('drop: refuses when full, by count or by bytes, and accepts again once drained', async () => {
    const buffer = new RecordBuffer({ maxRecords: 3, maxBytes: SIZE * 2.5 }, 'drop', () => undefined);
    expect(await buffer.offer(rec(1))).toBe(true);
    expect(await buffer.offer(rec(2))).toBe(true);
    expect(await buffer.offer(rec(3))).toBe(false); // a third record exceeds the bytes
    buffer.take(1, 100);
    expect(await buffer.offer(rec(4))).toBe(true);
  });

  it('always takes one record into an empty buffer, so an oversized record cannot wedge it', async () => {
    const buffer = new RecordBuffer({ maxRecords: 10, maxBytes: 5 }, 'block', () => undefined);
    expect(await buffer.offer(rec(1, 50))).toBe(true);
    expect(buffer.take(10, 5)).toHaveLength(1);
  });

  it('rejectWaiters refuses every blocked caller', async () => {
    const buffer = new RecordBuffer({ maxRecords: 1, maxBytes: 100 }, 'block', () => undefined);
    await buffer.offer(rec(1));
    const waiting = [buffer.offer(rec(2)), buffer.offer(rec(3))];
    expect(buffer.rejectWaiters()).toBe(2);
    await expect(Promise.all(waiting)).resolves.toEqual([false, false]);
  });
});
