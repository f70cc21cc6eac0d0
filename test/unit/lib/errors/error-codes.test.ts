import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../../../lib/errors';

describe('docs/errors.md', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../../../docs/errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);

  it('documents every error code, once, in the order of the code list', () => {
    expect(documented).toEqual([...ERROR_CODES]);
  });
});
