/** Test helpers for the hub's HTTPS side: its port, its CA, and requests that trust that CA and nothing else. */
import { X509Certificate } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { HubProcess } from './harness.ts';

/** The HTTPS port the hub logged on its `listening` line (HUB_HTTPS_PORT=0 picks a free one). */
export function httpsPortOf(hub: HubProcess): number {
  const m = /"httpsPort":(\d+)[^\n]*"msg":"listening"/.exec(hub.output());
  if (!m) throw new Error(`the hub logged no HTTPS port:\n${hub.output()}`);
  return Number(m[1]);
}

/** The CA as a staff tablet gets it: GET /ca.crt over plain HTTP (DER), turned into PEM. */
export async function fetchCa(hub: HubProcess): Promise<{ pem: string; cert: X509Certificate; contentType: string | null }> {
  const res = await fetch(`${hub.url}/ca.crt`);
  if (res.status !== 200) throw new Error(`GET /ca.crt: ${res.status}`);
  const cert = new X509Certificate(Buffer.from(await res.arrayBuffer()));
  return { pem: cert.toString(), cert, contentType: res.headers.get('content-type') };
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
  peer: PeerCertificate;
}

/** One request over TLS. `servername` is the name the certificate must match (default: `host`). */
export function httpsRequest(
  o: { port: number; path: string; ca?: string; host?: string; servername?: string; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<HttpsReply> {
  const body = o.body === undefined ? undefined : JSON.stringify(o.body);
  const opts: RequestOptions = {
    host: o.host ?? '127.0.0.1',
    port: o.port,
    path: o.path,
    method: o.method ?? 'GET',
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...o.headers },
    agent: false,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.servername ? { servername: o.servername } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(opts, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text), peer });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
