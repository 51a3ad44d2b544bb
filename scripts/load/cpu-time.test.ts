/** The hub's main thread from the scheduler's account: the time it ran, and the time it waited for a CPU. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cpuTimeMs, mainThreadSchedMs } from './hub-process.ts';

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(process.platform === 'linux')('mainThreadSchedMs', () => {
  it('counts the main thread only: a worker thread spinning leaves its running time near zero', async () => {
    // the main thread sleeps while a worker thread spins until the process has used 800 ms of CPU (counted
    // in CPU time, not wall time: on a busy machine the worker is descheduled part of the time)
    const worker = `const start = process.cpuUsage(); const cap = Date.now() + 10000;
      while (Date.now() < cap) { const u = process.cpuUsage(start); if (u.user + u.system >= 800000) break; }
      require('node:worker_threads').parentPort.postMessage('done');`;
    const script = `new (require('node:worker_threads').Worker)(${JSON.stringify(worker)}, { eval: true }).on('message', () => process.stdout.write('done\\n')); setTimeout(() => {}, 20000);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the worker did not finish spinning within 15 s')), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('done')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const all = cpuTimeMs(child.pid!)!;
      const main = mainThreadSchedMs(child.pid!)!;
      expect(all).toBeGreaterThan(600);
      expect(main.runMs).toBeLessThan(all / 2);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('counts the time the main thread was ready to run but another process had its only CPU', async () => {
    // two processes spinning on one CPU: each runs about half the time and waits the other half. The child
    // spins until it has used 400 ms of CPU (CPU time, not wall time: on a busy machine more than these two
    // share the CPU), the rival for as long as the test lasts
    const spin = (cpuMs: number) =>
      spawn(
        'taskset',
        ['-c', '0', process.execPath, '-e', `const s = process.cpuUsage(); const cap = Date.now() + 15000;
          while (Date.now() < cap) { const u = process.cpuUsage(s); if (u.user + u.system >= ${cpuMs * 1000}) break; }
          process.stdout.write('done\\n'); setTimeout(() => {}, 20000);`],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
    const rival = spin(60_000);
    const child = spin(400);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child did not finish spinning within 20 s')), 20_000);
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('done')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const main = mainThreadSchedMs(child.pid!)!;
      expect(main.runMs).toBeGreaterThan(300);
      expect(main.waitMs).toBeGreaterThan(150);
    } finally {
      child.kill('SIGKILL');
      rival.kill('SIGKILL');
    }
  });

  it('is undefined for a process that is not there', () => {
    expect(mainThreadSchedMs(2 ** 30)).toBeUndefined();
  });
});
