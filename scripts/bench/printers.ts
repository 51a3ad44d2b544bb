/**
 * Real kitchen printers are separate devices, so the bench runs its simulated printers in their own
 * processes (the `printers/sim` CLI on loopback) and configures the hub to use them over TCP 9100, the way a
 * store would. The hub then does all of a real print pipeline's work — job rows in the order's transaction,
 * rendering, status probes, sending, barrier confirmation — while the simulator's decoding is not charged to
 * it, as it would be with `HUB_PRINTERS=sim` (which runs them inside the hub for the demo).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ROOT, PAIRING_CODE, PINS, placeProcess, stopWithUs, type Placement } from '../load/hub-process.ts';

export interface ExternalPrinters {
  stop(): void;
}

function startSim(placement: Placement, msPerLine: number): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'printers/sim/main.ts', '--port', '0', '--quiet', '--ms-per-line', String(msPerLine)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  stopWithUs(proc);
  if (proc.pid !== undefined) placeProcess(proc.pid, placement);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulated printer did not start:\n${out}`)), 15_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (out.length < 10_000) out += chunk.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.once('exit', (code) => reject(new Error(`simulated printer exited with ${code}:\n${out}`)));
  });
}

async function call(url: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': `bench-${path}-${Math.random().toString(36).slice(2)}`,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * One simulated printer per station (hot kitchen, bar), each in its own process, configured on the hub.
 * `placement` puts them with the load generator (away from the hub's CPUs, or below its priority).
 * `msPerLine` 0 prints at once; a real thermal printer takes ~17 ms per line.
 */
export async function startExternalPrinters(hubUrl: string, placement: Placement = {}, msPerLine = 0): Promise<ExternalPrinters> {
  const sims = await Promise.all([startSim(placement, msPerLine), startSim(placement, msPerLine)]);
  try {
    const { deviceToken } = await call(hubUrl, '/api/v1/devices/pair', { code: PAIRING_CODE, name: 'bench set-up', kind: 'manager' });
    const { token } = await call(hubUrl, '/api/v1/staff/sessions', { pin: PINS.manager }, deviceToken);
    const stations = ['hot', 'bar'];
    for (const [i, sim] of sims.entries()) {
      await call(hubUrl, '/api/v1/printers', { name: `bench ${stations[i]}`, host: '127.0.0.1', port: sim.port, stations: [stations[i]] }, token);
    }
  } catch (err) {
    for (const s of sims) s.proc.kill();
    throw err;
  }
  return { stop: () => sims.forEach((s) => s.proc.kill()) };
}

/**
 * Tickets still waiting for the printers (the hub's health answer). In a closed loop the simulated printers
 * fall behind the orders; whatever is left here was not printed inside the measured time, so its cost is
 * not in the figures.
 */
export async function printBacklog(hubUrl: string): Promise<number> {
  const health = (await (await fetch(`${hubUrl}/api/v1/health`)).json()) as { printers?: { queued: number }[] };
  return (health.printers ?? []).reduce((n, p) => n + p.queued, 0);
}
