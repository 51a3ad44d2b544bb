/**
 * A real hub process that a test can `kill -9` and start again on the SAME data directory and the SAME
 * port, like a mini PC losing power and booting again: the browsers keep the URL they loaded, so the hub
 * must come back at that address for their outboxes to reach it.
 */
import { removeDir, startHub, type HubProcess } from '../../hub/test/harness.ts';
import { freePort } from './ports.ts';

export interface RestartableHub {
  /** The hub running now (a new process after each restart). */
  readonly hub: HubProcess;
  readonly port: number;
  readonly dataDir: string;
  /** SIGKILL the running hub: no shutdown code runs, nothing is flushed but what SQLite already committed. */
  kill9(): Promise<void>;
  /** Starts a new hub process on the same data directory and port (the previous one must be dead). */
  restart(): Promise<HubProcess>;
  isRunning(): boolean;
  /** SIGTERM the running hub (if any) and delete the data directory. */
  dispose(): Promise<void>;
}

export async function startRestartableHub(env: Record<string, string> = {}): Promise<RestartableHub> {
  const port = await freePort();
  const fullEnv = { HUB_HTTPS_PORT: 'off', ...env, HUB_PORT: String(port) };
  let current = await startHub({ env: fullEnv });
  const dataDir = current.dataDir;
  let running = true;
  return {
    get hub() {
      return current;
    },
    port,
    dataDir,
    async kill9() {
      if (!running) return;
      running = false;
      await current.kill9();
    },
    async restart() {
      if (running) throw new Error('restart(): the hub is still running; kill9() it first');
      // the old listening socket died with its process; a new process can bind the port at once (SO_REUSEADDR)
      current = await startHub({ dataDir, env: fullEnv });
      running = true;
      return current;
    },
    isRunning: () => running,
    async dispose() {
      if (running) await current.stop();
      running = false;
      removeDir(dataDir);
    },
  };
}
