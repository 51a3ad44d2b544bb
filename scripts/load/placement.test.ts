/** The generator's processes yield the CPU to the hub: every one of their threads gets the nice value. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { placeProcess } from './hub-process.ts';

/** Field 19 of /proc/<pid>/task/<tid>/stat (after the command name in parentheses): the thread's nice. */
const niceOf = (pid: number, tid: number): number => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);

describe.runIf(process.platform === 'linux')('placeProcess', () => {
  it('sets the nice value of every thread of a running Node process, not only its main thread', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      // V8's and libuv's threads are up within a moment, or seconds on a loaded machine
      const tasks = () => readdirSync(`/proc/${pid}/task`).map(Number);
      for (let i = 0; i < 100 && tasks().length <= 1; i++) await new Promise((r) => setTimeout(r, 100));
      const threads = tasks();
      expect(threads.length).toBeGreaterThan(1);
      expect(threads.map((t) => niceOf(pid, t))).toEqual(threads.map(() => 0));
      placeProcess(pid, { nice: 7 });
      expect(threads.map((t) => niceOf(pid, t))).toEqual(threads.map(() => 7));
    } finally {
      child.kill('SIGKILL');
    }
  });
});
