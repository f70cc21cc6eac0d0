import protobuf from 'protobufjs';
import { nanosText } from './encoder';
import type { PushBatch } from './request-builder';

/**
 * logproto.PushRequest as Loki declares it (github.com/grafana/loki/pkg/push, push.proto):
 *   PushRequest      { repeated StreamAdapter streams = 1; }
 *   StreamAdapter    { string labels = 1; repeated EntryAdapter entries = 2; }
 *   EntryAdapter     { google.protobuf.Timestamp timestamp = 1; string line = 2;
 *                      repeated LabelPairAdapter structuredMetadata = 3; }
 *   LabelPairAdapter { string name = 1; string value = 2; }
 * EntryAdapter field 4 (`parsed`) is for query responses only; structured metadata is 3.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    logproto: {
      nested: {
        PushRequest: { fields: { streams: { rule: 'repeated', type: 'StreamAdapter', id: 1 } } },
        StreamAdapter: { fields: { labels: { type: 'string', id: 1 }, entries: { rule: 'repeated', type: 'EntryAdapter', id: 2 } } },
        EntryAdapter: {
          fields: {
            timestamp: { type: 'Timestamp', id: 1 },
            line: { type: 'string', id: 2 },
            structuredMetadata: { rule: 'repeated', type: 'LabelPairAdapter', id: 3 },
          },
        },
        LabelPairAdapter: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        // google.protobuf.Timestamp, declared here so no .proto file is loaded at run time.
        Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
      },
    },
  },
});
const PushRequestType = root.lookupType('logproto.PushRequest');

/** A push body and the HTTP content headers that go with it. */
export interface EncodedPush {
  readonly body: Buffer;
  readonly contentType: string;
  /** Bytes before compression, for metrics. */
  readonly rawBytes: number;
}

/** Raw (block, not framed) snappy, which Loki's push handler expects for protobuf bodies. */
export type SnappyCompress = (raw: Uint8Array) => Promise<Buffer>;

/**
 * The uncompressed protobuf bytes of a push request. protobufjs generates the encoder from the
 * type above; a field-by-field Writer version measured no faster (scratch/loki-encode-micro.ts).
 */
export function encodePushProtobuf(batch: PushBatch): Uint8Array {
  const message = {
    streams: batch.streams.map((s) => ({
      labels: s.stream,
      entries: s.entries.map((e) => ({ timestamp: { seconds: e.seconds, nanos: e.nanos }, line: e.line, structuredMetadata: e.metadata })),
    })),
  };
  return PushRequestType.encode(message).finish();
}

/** The JSON push body: `{"streams":[{"stream":{...},"values":[["<ns>","<line>",{<metadata>}]]}]}`. */
export function encodePushJson(batch: PushBatch): string {
  return JSON.stringify({
    streams: batch.streams.map((s) => ({
      stream: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
      values: s.entries.map((e) => [nanosText(e.seconds, e.nanos), e.line, Object.fromEntries(e.metadata.map((m) => [m.name, m.value]))]),
    })),
  });
}

export async function encodePush(batch: PushBatch, format: 'protobuf' | 'json', compress: SnappyCompress): Promise<EncodedPush> {
  if (format === 'json') {
    const body = Buffer.from(encodePushJson(batch));
    return { body, contentType: 'application/json', rawBytes: body.length };
  }
  const raw = encodePushProtobuf(batch);
  return { body: await compress(raw), contentType: 'application/x-protobuf', rawBytes: raw.length };
}

/** A decoded push request, as tests and the benchmark read bodies back. */
export interface DecodedPush {
  streams: Array<{ labels: string; entries: Array<{ timestamp: { seconds: number; nanos: number }; line: string; structuredMetadata: Array<{ name: string; value: string }> }> }>;
}

/** Decodes uncompressed protobuf bytes of a PushRequest (the inverse of encodePushProtobuf). */
export function decodePushProtobuf(raw: Uint8Array): DecodedPush {
  const decoded = PushRequestType.toObject(PushRequestType.decode(raw), { longs: Number, arrays: true, defaults: true });
  return decoded as DecodedPush;
}
