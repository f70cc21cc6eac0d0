import { sizeCategory } from '../../../../../services/enricher/enrichments/size-category';

describe('sizeCategory', () => {
  it.each<[unknown, unknown]>([
    [0, { sizeBytes: 0, category: 'small' }],
    [1_048_575, { sizeBytes: 1_048_575, category: 'small' }],
    [1_048_576, { sizeBytes: 1_048_576, category: 'medium' }],
    [104_857_599, { sizeBytes: 104_857_599, category: 'medium' }],
    [104_857_600, { sizeBytes: 104_857_600, category: 'large' }],
    ['2048', { sizeBytes: 2048, category: 'small' }],
    [' 209715200 ', { sizeBytes: 209_715_200, category: 'large' }],
    [-5, { tag: 'size_bytes_negative' }],
    [1e30, { tag: 'size_bytes_out_of_range' }],
    [12.5, { tag: 'size_bytes_not_integer' }],
    ['12kb', { tag: 'size_bytes_not_numeric' }],
    ['-12', { tag: 'size_bytes_not_numeric' }],
    [true, { tag: 'size_bytes_not_numeric' }],
    [{ n: 1 }, { tag: 'size_bytes_not_numeric' }],
    [undefined, undefined],
    [null, undefined],
  ])('%p -> %p', (input, expected) => {
    expect(sizeCategory(input)).toEqual(expected);
  });
});
