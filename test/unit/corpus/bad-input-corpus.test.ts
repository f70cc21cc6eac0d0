import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { corpusBytes, expectOutcome, goodRecord, loadBadInputCorpus } from '../../corpus/bad-input-corpus';
import { MIN_TIMESTAMP_2000, testEnricher } from '../../harness/test-enricher';

const codec = new AvroCodec();
const processor = testEnricher(codec, { minTimestampMicros: MIN_TIMESTAMP_2000, instanceId: 'corpus' });
const corpus = loadBadInputCorpus();

describe('bad-input corpus (test/corpus/bad-input) through the enricher', () => {
  it('has the cases the reliability issue lists', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    for (const c of corpus) expect(c.description.length).toBeGreaterThan(0);
  });

  it.each(corpus.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const logId = '00000000-0000-4000-8000-000000000001';
    const { message, outcome } = processor.process(Buffer.from('node-corpus'), corpusBytes(codec, c.input, goodRecord(logId, Date.now() * 1000)), { topic: 'raw', partition: 0, offset: '7' });
    const headers = outcome === 'dead_lettered' ? readDeadLetterHeaders(message.headers) : {};
    expectOutcome(codec, c.expect, { outcome, value: message.value, headers });
    if (outcome === 'dead_lettered') expect(headers).toMatchObject({ sourceTopic: 'raw', sourcePartition: '0', sourceOffset: '7' });
  });
});
