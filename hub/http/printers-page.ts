/**
 * The manager's printer page: `GET /printers`. A static shell with no secret in it, like the other manager
 * pages: its inline script (hub/http/printers-page-script.ts) pairs the browser and signs a manager in
 * (hub/http/manager-page.ts: managers only, Sign out ends the session on the hub), then lists every printer
 * with its live status from `GET /api/v1/printers` (polled every few seconds) and lets the manager add one
 * (`POST /api/v1/printers`), change one (`PATCH`), remove one (`DELETE`, after a confirmation), print a test
 * page (`POST /api/v1/printers/:id/test`) and reprint one of its recent jobs. The stations offered are the
 * menu's (`GET /api/v1/menu`) and the receipt station. The hub's refusals are shown where they happened.
 * No framework, no external resource; the staff address only (hub/gate/protocol.ts keeps it off the public one).
 */
import type { Express } from 'express';
import { RECEIPT_STATION } from '../print/receipts.ts';
import { printerBuzzerSchema, printerEncodingSchema, type CreatePrinter } from '../protocol/printing.ts';
import { MANAGER_PAGE_CSS, managerGates } from './manager-page.ts';
import { printersPageScript } from './printers-page-script.ts';
import { pageCsp } from './security-headers.ts';

export const PRINTERS_PAGE_PATH = '/printers';

export function mountPrintersPage(app: Express): void {
  app.get(PRINTERS_PAGE_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(PAGE);
  });
}

const MANAGER_ONLY = ['只有经理可以设置打印机', 'Only a manager can set up the printers'] as const;

/** What the owner reads in the form: the printer's manual names the code page, the paper its width. */
const ENCODING_LABELS: Record<CreatePrinter['encoding'], string> = {
  gb18030: '简体中文 GB18030',
  gbk: '简体中文 GBK (老型号 older printers)',
  big5: '繁體中文 Big5',
  shift_jis: '日本語 Shift_JIS',
  cp437: '仅英文 English only (CP437)',
};
const WIDTH_LABELS: Record<CreatePrinter['widthChars'], string> = {
  48: '48 字 chars (80 mm 纸 paper)',
  32: '32 字 chars (58 mm 纸 paper)',
};
const BUZZER_LABELS: Record<CreatePrinter['buzzer'], string> = {
  'esc-b': 'ESC B (多数型号 most printers)',
  epson: 'Epson',
  none: '不响 Off',
};
const DEFAULTS = { port: 9100, encoding: 'gb18030', widthChars: 48, buzzer: 'esc-b' } as const satisfies Partial<CreatePrinter>;

const option = (value: string | number, label: string, selected: boolean) => `<option value="${value}"${selected ? ' selected' : ''}>${label}</option>`;

const CSS = `${MANAGER_PAGE_CSS}
.bar{flex-wrap:wrap}.bar__actions{display:flex;gap:.5rem;flex-wrap:wrap}
.bar button#add{background:#2e7d32}
#printers{max-width:76rem;margin:0 auto;padding:1rem}
.notice{margin:0 0 1rem;padding:.6rem .9rem;border-radius:.4rem;background:#e6f2ea;color:#1d4d2c}
.notice.bad{background:#fde8e4;color:#8a1c0a}
.list{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(22rem,100%),1fr));gap:.75rem}
.list[data-stale] .printer{opacity:.6}
.empty{padding:1.5rem;text-align:center;color:#555;background:#fff;border-radius:.5rem}
.printer{background:#fff;border-radius:.5rem;box-shadow:0 1px 3px #0002;padding:.75rem .9rem;border-left:.5rem solid #9aa3a9;display:grid;gap:.55rem;align-content:start}
.printer--ok{border-left-color:#2e7d32}.printer--warn{border-left-color:#d68a00}
.printer--bad{border-left-color:#c62828;background:#fff5f3}
.printer__head{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem .6rem}
.printer__name{font-size:1.1rem;margin:0;flex:1 1 auto}
.badge{font-weight:700;padding:.15rem .6rem;border-radius:1rem;font-size:.9rem;background:#e4e4e0;color:#333}
.badge--ok{background:#dff0e0;color:#1b5e20}.badge--warn{background:#fff1cc;color:#6b4500}.badge--bad{background:#c62828;color:#fff}
.tag{font-size:.8rem;color:#51606b}
.facts{display:grid;grid-template-columns:auto 1fr;gap:.15rem .75rem;margin:0;font-size:.92rem}
.facts dt{color:#555}.facts dd{margin:0;overflow-wrap:anywhere}.facts dd.bad{color:#8a1c0a;font-weight:600}
.printer__tools{display:flex;flex-wrap:wrap;gap:.4rem}.printer__tools .btn{flex:1 1 auto}
.btn{font:inherit;font-size:.9rem;padding:.35rem .6rem;border-radius:.4rem;border:0;background:#51606b;color:#fff;cursor:pointer;min-height:42px}
.btn--primary{background:#e8562a}.btn--danger{background:#b3261e}.btn:disabled{opacity:.55;cursor:default}
.printer__msg{margin:0;font-size:.9rem;color:#1d4d2c;min-height:1.2em}.printer__msg.bad{color:#8a1c0a;font-weight:600}
.confirm{background:#fde8e4;border-radius:.4rem;padding:.6rem .75rem;display:grid;gap:.5rem}.confirm p{margin:0}
.confirm div{display:flex;gap:.4rem;flex-wrap:wrap}
.jobs{font-size:.9rem}.jobs ol{list-style:none;margin:0;padding:0;display:grid;gap:.3rem}
.job{display:flex;flex-wrap:wrap;align-items:center;gap:.2rem .6rem;padding:.3rem 0;border-top:1px solid #eee}
.job__what{font-weight:600;flex:1 1 10rem}.job__time{color:#555}.job__err{color:#8a1c0a;flex-basis:100%}
.job .btn{min-height:36px;padding:.25rem .6rem}
.editor{background:#fff;border-radius:.6rem;box-shadow:0 1px 4px #0002;padding:1rem;margin:0 0 1rem;display:grid;gap:.75rem}
.editor h2{margin:0;font-size:1.15rem}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.6rem .9rem}
.fields label{display:grid;gap:.2rem;font-size:.92rem;color:#333}
.editor input,.editor select{font:inherit;padding:.45rem .5rem;border:1px solid #b9bec2;border-radius:.35rem;min-height:44px;background:#fff;width:100%}
.editor [aria-invalid=true]{border-color:#c62828;outline:2px solid #f3b7ae}
.stations{border:1px solid #d5d8da;border-radius:.4rem;display:flex;flex-wrap:wrap;gap:.3rem 1.1rem;padding:.5rem .75rem;margin:0}
.check{display:flex;align-items:center;gap:.5rem;min-height:44px}
.editor .check input{width:1.35rem;height:1.35rem;min-height:0;flex:none}
.attention{background:#fff1cc;border-radius:.3rem;padding:0 .4rem}
.form-error{margin:0;padding:.6rem .8rem;border-radius:.4rem;background:#fde8e4;color:#8a1c0a;white-space:pre-line}
.editor__buttons{display:flex;gap:.5rem;flex-wrap:wrap}
`;

const SCRIPT = printersPageScript({ managerOnly: MANAGER_ONLY, receiptStation: RECEIPT_STATION, encodings: ENCODING_LABELS });

const PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>打印机 Printers · Brigade</title>
<style>${CSS}</style>
</head>
<body>
<header class="bar">
  <h1>打印机 Printers <small id="store"></small></h1>
  <div class="bar__actions" id="actions" hidden>
    <button type="button" id="add" data-add>添加打印机 Add printer</button>
    <button type="button" id="signout">退出 Sign out</button>
  </div>
</header>
${managerGates(`${MANAGER_ONLY.join(' ')}.`)}
<section id="printers" data-printers hidden>
  <p class="notice" id="notice" data-notice role="status" hidden></p>
  <form class="editor" id="editor" data-editor novalidate hidden>
    <h2 id="editor-title"></h2>
    <div class="fields">
      <label>名称 Name <input name="name" maxlength="40" autocomplete="off" required></label>
      <label>地址 Address (IP) <input name="host" autocomplete="off" autocapitalize="off" spellcheck="false" placeholder="192.168.1.50" required></label>
      <label>端口 Port <input name="port" type="number" inputmode="numeric" min="1" max="65535" value="${DEFAULTS.port}"></label>
      <label>编码 Encoding <select name="encoding">${printerEncodingSchema.options.map((e) => option(e, ENCODING_LABELS[e], e === DEFAULTS.encoding)).join('')}</select></label>
      <label>纸宽 Width <select name="widthChars">${([48, 32] as const).map((w) => option(w, WIDTH_LABELS[w], w === DEFAULTS.widthChars)).join('')}</select></label>
      <label>蜂鸣 Buzzer <select name="buzzer">${printerBuzzerSchema.options.map((b) => option(b, BUZZER_LABELS[b], b === DEFAULTS.buzzer)).join('')}</select></label>
      <label>备用打印机 Backup printer <select name="backupPrinterId"></select></label>
    </div>
    <fieldset class="stations" id="stations" data-stations><legend>打印哪些档口 Prints for</legend></fieldset>
    <label class="check"><input type="checkbox" name="enabled" checked> 启用 Enabled</label>
    <label class="check" id="offline-ok"><input type="checkbox" name="allowOffline"> 现在连不上也保存（打印机关着） Save even if it does not answer now (switched off)</label>
    <p class="form-error" id="form-error" data-form-error role="alert" hidden></p>
    <div class="editor__buttons">
      <button type="submit" class="btn btn--primary" data-save>保存 Save</button>
      <button type="button" class="btn" id="cancel" data-cancel>取消 Cancel</button>
    </div>
  </form>
  <div id="unprinted" data-unprinted hidden></div>
  <div class="list" id="list" data-list aria-live="off"></div>
</section>
<script>${SCRIPT}</script>
</body>
</html>`;

/** The page runs its one inline script and style and nothing else inline (hub/http/security-headers.ts). */
const CSP = pageCsp({ scripts: [SCRIPT], styles: [CSS] });
