import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { lokiConnectOptions, lokiHeaders, PushClient } from '../../../../services/sink-loki/push-client';
import { FakeLoki } from './fake-loki';

const body = { body: Buffer.from('{"streams":[]}'), contentType: 'application/json', rawBytes: 14 };

describe('Loki connection headers and TLS options', () => {
  it.each([
    [{}, {}],
    [{ tenantId: 'team-a' }, { 'x-scope-orgid': 'team-a' }],
    [{ bearerToken: 't0k' }, { authorization: 'Bearer t0k' }],
    [{ username: 'u', password: 'p', tenantId: 't' }, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, 'x-scope-orgid': 't' }],
  ])('%j -> %j', (loki, headers) => {
    expect(lokiHeaders({ url: 'http://l', rejectUnauthorized: true, ...loki })).toEqual(headers);
  });

  it("adds a CA file to Node's roots instead of replacing them", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loki-ca-')), 'ca.pem');
    fs.writeFileSync(file, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const options = lokiConnectOptions({ url: 'https://l', rejectUnauthorized: true, caFile: file });
    expect(options.ca).toHaveLength(tls.rootCertificates.length + 1);
    expect(options.ca?.at(-1)).toContain('MIIB');
    expect(lokiConnectOptions({ url: 'https://l', rejectUnauthorized: false })).toEqual({ rejectUnauthorized: false });
  });
});

describe('PushClient', () => {
  it('pushes under the path of the URL (a gateway prefix) and reports status, body and Retry-After', async () => {
    const loki = new FakeLoki();
    loki.answer = () => ({ status: 429, body: 'slow down', headers: { 'retry-after': '3' } });
    const url = await loki.start();
    const client = new PushClient({ url: `${url}/gateway/`, rejectUnauthorized: true }, 1, 5_000);
    expect(await client.push(body)).toEqual({ kind: 'response', status: 429, body: 'slow down', retryAfter: '3' });
    expect(loki.requests[0]?.path).toBe('/gateway/loki/api/v1/push');
    await client.close();
    await loki.stop();
  });

  it('reports an unreachable Loki instead of throwing', async () => {
    const client = new PushClient({ url: 'http://127.0.0.1:1', rejectUnauthorized: true }, 1, 2_000);
    expect(await client.push(body)).toMatchObject({ kind: 'unreachable', error: expect.stringMatching(/ECONNREFUSED|connect/) });
    await client.close();
  });

  it('verifies a self-signed Loki with the CA file, refuses it without, and skips the check only when told', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loki-tls-'));
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const outcome = async (loki: { caFile?: string; rejectUnauthorized: boolean }) => {
      const client = new PushClient({ url, ...loki }, 1, 5_000);
      try {
        return await client.push(body);
      } finally {
        await client.close();
      }
    };
    try {
      expect(await outcome({ caFile: cert, rejectUnauthorized: true })).toMatchObject({ kind: 'response', status: 204 });
      expect(await outcome({ rejectUnauthorized: true })).toMatchObject({ kind: 'unreachable', error: expect.stringMatching(/self[- ]signed|certificate/i) });
      expect(await outcome({ rejectUnauthorized: false })).toMatchObject({ kind: 'response', status: 204 });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
