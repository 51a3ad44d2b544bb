/**
 * `npm run load` — plays a service against a hub (one it starts, or --url on loopback), then verifies the
 * hub's database against the logs. Exits non-zero when the verifier fails.
 *
 *   npm run load -- --duration 60
 *   npm run load -- --rate 300 --duration 30 --phones 600
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCli, usage } from './config.ts';
import { exitOnSignals, startHub, type StartedHub } from './hub-process.ts';
import { formatResult } from './format.ts';
import { runLoad } from './run.ts';
import { formatReport, verifyRun } from './verify.ts';

async function main(): Promise<number> {
  // Ctrl-C (or a supervisor's SIGTERM) stops the hub and the workers this run started before exiting
  exitOnSignals('load');
  const cli = parseCli(process.argv.slice(2));
  if (cli.help) {
    process.stdout.write(usage);
    return 0;
  }
  const runDir = cli.runDir ?? mkdtempSync(join(tmpdir(), 'brigade-load-run-'));
  let hub: StartedHub | undefined;
  if (!cli.url) {
    hub = await startHub({
      env: cli.hubEnv,
      ...(cli.dataDir ? { dataDir: resolve(cli.dataDir) } : {}),
      ...(cli.root ? { root: resolve(cli.root) } : {}),
    });
    process.stderr.write(`hub started on ${hub.url} (data ${hub.dataDir}, pid ${hub.pid})\n`);
  }
  const url = cli.url ?? hub!.url;
  const publicUrl = cli.url ? cli.publicUrl : hub!.publicUrl;
  const dbFile = cli.db ?? hub?.dbFile;
  let passed = false;
  try {
    const m = cli.config.mix;
    process.stderr.write(
      `load: ${m.tablets} tablets, ${m.kiosks} kiosks, ${m.phones} phones, ${m.kds} KDS, ${m.sockets} live sockets; ` +
        `${cli.config.ratePerSec > 0 ? `open loop ${cli.config.ratePerSec} orders/s` : `closed loop, think ${cli.config.thinkMs} ms`}; ` +
        `${cli.config.durationS} s over ${cli.config.workers} workers → ${runDir}\n`,
    );
    const result = await runLoad({ config: cli.config, url, publicUrl, hubPid: hub?.pid, dbFile, runDir, quiet: cli.quiet, title: 'load' });
    process.stdout.write(`${formatResult(result)}\n`);
    if (!cli.verify) return 0;
    if (!dbFile) {
      process.stderr.write('no --db given: skipping the verifier\n');
      return 0;
    }
    // a store given with --data-dir holds orders from before the run: they are not the run's to account for
    // (those made since it started are)
    const report = verifyRun({ runDir, dbFile, accountFor: cli.dataDir ? 'run' : 'all' });
    process.stdout.write(`${formatReport(report)}\n`);
    passed = report.ok;
    return report.ok ? 0 : 1;
  } finally {
    if (hub) {
      const code = await hub.stop();
      if (code !== 0) process.stderr.write(`hub exited with ${code}\n${hub.output().slice(-4000)}\n`);
      // the temp hub and its logs are removed after a verified run unless --keep; kept on any failure
      if (passed && code === 0 && !cli.keep) {
        if (!cli.dataDir) rmSync(hub.dataDir, { recursive: true, force: true });
        if (!cli.runDir) rmSync(runDir, { recursive: true, force: true });
      } else {
        process.stderr.write(`kept for inspection: hub data ${hub.dataDir}, logs ${runDir}\n`);
      }
    }
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
