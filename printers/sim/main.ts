/**
 * A simulated port-9100 printer for manual testing:
 *   npx tsx printers/sim/main.ts --port 9100 --encoding gb18030 --width 48 [--ms-per-line 30] [--split-status] [--quiet]
 * Prints each ticket to stdout when it is cut (with --quiet, only a count every 10 s: the bench's printers
 * stand in for separate devices, and writing out every ticket would take CPU from the hub they measure).
 * Faults from the keyboard: p paper out/in, c cover open/closed, n near end on/off, o power off/on,
 * r reboot (5 s), q quit.
 */
import { parseArgs } from 'node:util';
import { PRINTER_ENCODINGS, type PrinterEncoding } from '../render/encoding.ts';
import { SimPrinter } from './sim-printer.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9100' },
    host: { type: 'string', default: '127.0.0.1' },
    encoding: { type: 'string', default: 'gb18030' },
    width: { type: 'string', default: '48' },
    'ms-per-line': { type: 'string', default: '0' },
    'split-status': { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});

const encoding = values.encoding as PrinterEncoding;
if (!PRINTER_ENCODINGS.includes(encoding)) throw new Error(`--encoding must be one of ${PRINTER_ENCODINGS.join(', ')}`);

const sim = await SimPrinter.start({
  host: values.host,
  port: Number(values.port),
  encoding,
  widthChars: Number(values.width),
  msPerLine: Number(values['ms-per-line']),
  splitStatusReplies: values['split-status'],
  keepTickets: 0, // each ticket goes to stdout (or a count) as it is cut; a bench run prints many thousands
});
const log = (msg: string): void => console.log(`[sim ${new Date().toISOString()}] ${msg}`);
log(`listening on ${sim.host}:${sim.port} (${encoding}, ${values.width} columns)`);

let count = 0;
if (values.quiet) {
  let reported = 0;
  setInterval(() => {
    if (count !== reported) log(`${(reported = count)} tickets printed`);
  }, 10_000).unref();
}
sim.onTicket((t) => {
  count++;
  if (values.quiet) return;
  const rule = '='.repeat(Number(values.width));
  log(`ticket #${count} (${t.lines.length} lines${t.beeps.length ? `, beep ${t.beeps.join(',')}` : ''}${t.overflowLines.length ? `, ${t.overflowLines.length} OVERFLOWING` : ''})`);
  console.log(`${rule}\n${t.text}\n${rule}`);
});

const state = { paperOut: false, coverOpen: false, nearEnd: false, off: false };
if (process.stdin.isTTY) {
  process.stdin.setRawMode(true);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (key: string) => {
    switch (key) {
      case 'p':
        sim.setPaperOut((state.paperOut = !state.paperOut));
        log(`paper ${state.paperOut ? 'OUT' : 'loaded'}`);
        break;
      case 'c':
        sim.setCoverOpen((state.coverOpen = !state.coverOpen));
        log(`cover ${state.coverOpen ? 'OPEN' : 'closed'}`);
        break;
      case 'n':
        sim.setPaperNearEnd((state.nearEnd = !state.nearEnd));
        log(`paper near end: ${state.nearEnd}`);
        break;
      case 'o':
        state.off = !state.off;
        if (state.off) sim.powerOff();
        else sim.powerOn();
        log(state.off ? 'silent power-off' : 'powered on');
        break;
      case 'r':
        log('rebooting for 5 s');
        void sim.reboot(5000).then(() => log('back up'));
        break;
      case 'q':
      case '\u0003':
        void sim.stop().then(() => process.exit(0));
        break;
    }
  });
}
process.on('SIGINT', () => void sim.stop().then(() => process.exit(0)));
process.on('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
