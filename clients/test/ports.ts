import { createServer } from 'node:net';

/**
 * A TCP port free right now, for a hub that must come back on the same address after a restart (browsers
 * reconnect to the URL they loaded). Another process could take it in between; on a test machine that is
 * rare enough.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
