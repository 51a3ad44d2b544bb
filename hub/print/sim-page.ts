/**
 * `/printers/sim`: what the embedded simulated printers printed, as text, newest first, with buttons to
 * pull and load paper, open the cover, power off, reboot. Plain server-rendered HTML that refreshes itself.
 * The control endpoints exist only for simulated printers running in this process.
 */
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../http/errors.ts';
import type { Printer } from '../protocol/printing.ts';
import type { PrintService } from './print-service.ts';
import type { SimulatorRegistry } from './simulated.ts';

const TICKETS_SHOWN = 30;

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const ACTIONS = {
  'paper-out': { label: 'Pull paper 抽纸', run: (s) => s.setPaperOut(true) },
  'paper-in': { label: 'Load paper 装纸', run: (s) => s.setPaperOut(false) },
  'cover-open': { label: 'Open cover 开盖', run: (s) => s.setCoverOpen(true) },
  'cover-close': { label: 'Close cover 合盖', run: (s) => s.setCoverOpen(false) },
  'power-off': { label: 'Power off 断电', run: (s) => s.powerOff() },
  'power-on': { label: 'Power on 通电', run: (s) => s.powerOn() },
  reboot: { label: 'Reboot 重启 (5 s)', run: (s) => void s.reboot(5000) },
} satisfies Record<string, { label: string; run: (sim: NonNullable<ReturnType<SimulatorRegistry['get']>>) => void }>;
type Action = keyof typeof ACTIONS;

const STATE_LABELS: Record<Printer['status']['state'], string> = {
  online: 'online 在线',
  offline: 'offline 离线',
  held: 'held 暂停',
  'failed-over': 'failed over 已转单',
  disabled: 'disabled 停用',
  unknown: 'unknown 未知',
};

export function simPage(registry: SimulatorRegistry, printing: PrintService): string {
  const printers = new Map(printing.printers().map((p) => [p.id, p]));
  const sections = registry.entries().map(([id, sim]) => {
    const p = printers.get(id);
    const name = p?.name ?? id;
    const status = p ? `${STATE_LABELS[p.status.state]}${p.status.reason ? ` (${p.status.reason})` : ''} · queue 队列 ${p.status.queued}` : '';
    const buttons = (Object.keys(ACTIONS) as Action[])
      .map((a) => `<form method="post" action="/printers/sim/${encodeURIComponent(id)}/${a}"><button>${escapeHtml(ACTIONS[a].label)}</button></form>`)
      .join('');
    const tickets = sim.tickets
      .slice(-TICKETS_SHOWN)
      .map((t, i, shown) => ({ t, n: sim.printedCount - shown.length + i + 1 }))
      .reverse()
      .map(({ t, n }) => `<figure><figcaption>#${n}${t.beeps.length ? ' 🔔' : ''}</figcaption><pre>${escapeHtml(t.text)}</pre></figure>`)
      .join('');
    return `<section>
<h2>${escapeHtml(name)}</h2>
<p class="meta">${escapeHtml(`${sim.host}:${sim.port} · stations 档口 ${p?.stations.join(', ') ?? '-'} · ${status} · printed 已打印 ${sim.printedCount}`)}</p>
<div class="controls">${buttons}</div>
<div class="tickets">${tickets || '<p>No tickets yet — place an order. 还没有小票，下个单试试。</p>'}</div>
</section>`;
  });
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulated printers 模拟打印机 · Brigade</title>
<style>
body{font-family:system-ui,sans-serif;margin:1rem;background:#f4f4f4}
section{background:#fff;border-radius:8px;padding:1rem;margin-bottom:1rem}
h2{margin:0 0 .25rem}.meta{color:#555;margin:.25rem 0}
.controls form{display:inline}.controls button{margin:.2rem;padding:.35rem .6rem}
.tickets{display:flex;flex-wrap:wrap;gap:1rem;margin-top:.5rem}
figure{margin:0}figcaption{color:#777;font-size:.8rem}
pre{background:#fffdf5;border:1px dashed #bbb;padding:.5rem;font:13px/1.3 "Noto Sans Mono CJK SC","Sarasa Mono SC",monospace;margin:0}
</style></head><body>
<h1>Simulated printers 模拟打印机</h1>
<p>Tickets the hub printed to its built-in printer simulators, newest first (refreshes every 2 s). 内置模拟打印机打印的小票，最新在前。</p>
${sections.join('\n') || '<p>No simulated printer is running (HUB_PRINTERS=none, or real printers are configured). 没有运行中的模拟打印机。</p>'}
</body></html>`;
}

/** Mounts the page and its controls on the hub's express app. */
export function mountSimPage(app: express.Express, registry: SimulatorRegistry, printing: PrintService): void {
  app.get('/printers/sim', (_req: Request, res: Response) => void res.type('html').send(simPage(registry, printing)));
  app.post('/printers/sim/:printerId/:action', (req: Request, res: Response, next: NextFunction) => {
    const sim = registry.get(String(req.params.printerId));
    const action = String(req.params.action);
    if (!sim || !Object.hasOwn(ACTIONS, action)) {
      next(new HttpError('not_found', 'no such simulated printer or action'));
      return;
    }
    ACTIONS[action as Action].run(sim);
    printing.wake(String(req.params.printerId));
    res.redirect(303, '/printers/sim');
  });
}
