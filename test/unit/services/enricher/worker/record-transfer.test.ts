import { packValues, transferList, unpackValues } from '../../../../../services/enricher/worker/record-transfer';

describe('record transfer to a worker thread', () => {
  it('packs values (nulls and empty ones included) into one buffer and gets them back byte for byte', () => {
    const backing = Buffer.from('....hello....world!....');
    // Slices of one larger buffer, as kafkajs hands them over.
    const values = [backing.subarray(4, 9), null, Buffer.alloc(0), backing.subarray(13, 19), Buffer.from([0, 255, 7])];
    const packed = packValues(values);
    expect(packed.bytes.length).toBe(5 + 0 + 6 + 3);
    expect([...packed.lengths]).toEqual([5, -1, 0, 6, 3]);
    const back = unpackValues(packed);
    expect(back.map((v) => (v === null ? null : [...v]))).toEqual(values.map((v) => (v === null ? null : [...v])));
  });

  it('unpacks into views of the packed bytes (no copy) and lists both buffers to transfer', () => {
    const packed = packValues([Buffer.from('ab'), Buffer.from('cde')]);
    const [, second] = unpackValues(packed);
    packed.bytes[2] = 'X'.charCodeAt(0);
    expect(second?.toString()).toBe('Xde');
    expect(transferList(packed)).toEqual([packed.bytes.buffer, packed.lengths.buffer]);
  });

  it('packs an empty batch', () => {
    const packed = packValues([]);
    expect(packed.bytes.length).toBe(0);
    expect(unpackValues(packed)).toEqual([]);
  });
});
