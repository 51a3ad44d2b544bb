/** The human-readable summary of a load run. */
import { CLASSES } from './ipc.ts';
import type { RunResult } from './run.ts';

export function formatResult(r: RunResult): string {
  const c = r.counters;
  const rate = (n: number) => (n / Math.max(0.001, r.elapsedS)).toFixed(0);
  const statuses = Object.entries(c.status)
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lat = (name: string, s: RunResult['submit']) =>
    s.count > 0 ? `  ${name.padEnd(22)} n=${s.count}  p50 ${s.p50Ms} ms  p90 ${s.p90Ms} ms  p99 ${s.p99Ms} ms  max ${s.maxMs} ms` : `  ${name.padEnd(22)} —`;
  const mb = (b: number | undefined) => (b === undefined ? '—' : `${(b / 1048576).toFixed(0)} MB`);
  return [
    `run ${r.phase}: ${r.elapsedS.toFixed(1)} s, logs in ${r.runDir}`,
    `  orders acknowledged    ${c.ordersAcked} (${rate(c.ordersAcked)}/s) of ${c.ordersStarted} started; refused ${c.refused}, lost races ${c.raced} (paid a moment before), abandoned ${c.abandoned}`,
    `  requests               ${c.attempts} (${rate(c.attempts)}/s), retries ${c.retries}, timeouts ${c.timeouts}, network errors ${c.networkErrors}, never sent (no connection free in time) ${c.unsent}`,
    `  menu reads             ${c.menu200 + c.menu304} (${rate(c.menu304)}/s answered 304 from the ETag)`,
    ...(c.offered > 0 ? [`  open loop              offered ${c.offered}, not sent (client saturated) ${c.dropped}`] : []),
    lat('submit (place → 201)', r.submit),
    ...CLASSES.filter((k) => r.byClass[k].count > 0).map((k) => lat(`${k} attempts`, r.byClass[k])),
    ...(r.ackToKds ? [lat('ack → every socket', r.ackToKds), lat('send → every socket', r.sendToKds!), `  not on every socket    ${r.notEverywhere}`] : []),
    `  stream sockets         ${r.sockets}; final head seq ${r.endHead}`,
    ...(r.hubCpuMs !== undefined
      ? [`  hub CPU                ${(r.hubCpuMs / 1000).toFixed(1)} s (${(r.hubCpuMs / Math.max(0.001, r.elapsedS) / 10).toFixed(0)} % of one core)${c.ordersAcked > 0 ? `, ${(r.hubCpuMs / c.ordersAcked).toFixed(2)} ms per acknowledged order` : ''}`]
      : []),
    `  hub RSS                start ${mb(r.rss.startBytes)}, max ${mb(r.rss.maxBytes)}, end ${mb(r.rss.endBytes)}; ${r.health.samples > 0 ? `max write queue ${r.health.maxWriteQueueDepth}, max loop lag ${r.health.maxEventLoopLagMs} ms (${r.health.samples} health answers)` : 'no /api/v1/health answer during the run'}`,
    `  statuses               ${statuses}`,
    ...r.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}
