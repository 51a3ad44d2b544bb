/**
 * The inline script of the printer page (hub/http/printers-page.ts): plain ES2017 for any browser on the
 * store's LAN (no build step, no secure context needed, so no `crypto.randomUUID`). After the shared
 * manager sign-in (hub/http/manager-page.ts) it keeps one list of printer cards in step with
 * `GET /api/v1/printers` (every REFRESH_MS, and at once after each change), updating each card in place so
 * a confirmation or a message on it survives the refresh.
 *
 * Writes: every mutation carries an Idempotency-Key made here from `crypto.getRandomValues`. A request the
 * hub did not answer (no answer, 429, 5xx) is sent again with the same key when the manager retries the
 * same action, so a printer is never added twice; any answer ends the key. A new printer's id is made here
 * too, once per opening of the form: a retry that changed the form meanwhile (a new key) meets the hub's
 * 409 for that id instead of adding a second printer.
 */
import { managerAuthScript, scriptJson } from './manager-page.ts';

/** How often the list asks the hub for the printers' status: "a few seconds" for a person watching it. */
const REFRESH_MS = 3000;
/**
 * After a change, the next few reads come sooner: a printer just added, or one just sent a test page, says
 * within a second whether it answered, rather than at the next ordinary read.
 */
const QUICK_MS = 600;
const QUICK_READS = 3;
/** The latest jobs shown under a printer. */
const JOBS_SHOWN = 5;
/** A test page is followed every FOLLOW_MS until it prints, FOLLOW_TRIES times at most (then the card says it is queued). */
const FOLLOW_MS = 500;
const FOLLOW_TRIES = 40;

export function printersPageScript(o: {
  managerOnly: readonly [zh: string, en: string];
  receiptStation: string;
  encodings: Record<string, string>;
}): string {
  return `
(function () {
  'use strict';
  ${managerAuthScript({ key: 'printers', deviceName: '打印机设置 Printers', main: 'printers', managerOnly: o.managerOnly })}
  var RECEIPTS = ${scriptJson(o.receiptStation)};
  var ENCODINGS = ${scriptJson(o.encodings)};
  var REFRESH_MS = ${REFRESH_MS};
  var JOBS_SHOWN = ${JOBS_SHOWN};
  var QUICK_MS = ${QUICK_MS};
  var QUICK_READS = ${QUICK_READS};
  var FOLLOW_MS = ${FOLLOW_MS};
  var FOLLOW_TRIES = ${FOLLOW_TRIES};

  var printers = []; // as GET /api/v1/printers last answered
  var stations = []; // [{ id, label, zh, en }]: the menu's, then the receipt station
  var unprinted = []; // [{ stationId, waiting }]: stations no printer prints, their tickets held on the hub
  var unprintedShown = null; // what the warnings show (redrawn only when it changes)
  var cards = {}; // printer id -> { card, live, msg, confirm, jobs }
  var editing = null; // the form: null closed; { id: null, newId } adding; { id } changing
  var saving = false;
  var pending = {}; // action -> { sig, key } of a request the hub has not answered
  var refreshTimer = null;
  var refreshSeq = 0;
  var quickReads = 0;
  var stale = false;

  var REASONS = {
    'paper-out': '缺纸 Paper out',
    'cover-open': '机盖打开 Cover open',
    'paper-near-end': '纸快用完 Paper nearly out',
    error: '打印机报错 Printer error',
    offline: '打印机离线 Printer offline',
    'connect-refused': '拒绝连接 Connection refused',
    'connect-timeout': '无应答 No answer',
    'connection-lost': '连接中断 Connection lost',
    'no-status-reply': '不回复状态 No status reply'
  };
  var JOB_KINDS = {
    kitchen: '厨房单 Kitchen', addon: '加菜单 Add-on', 'void': '退菜单 Void', receipt: '账单/收据 Bill/receipt',
    pickup: '取餐单 Pickup slip', 'day-report': '日结单 Day report', test: '测试页 Test page'
  };
  var JOB_STATES = {
    queued: ['排队 Queued', 'warn'], sending: ['发送中 Sending', 'warn'], sent: ['已发送 Sent', 'warn'],
    confirmed: ['已打印 Printed', 'ok'], 'retry-wait': ['等待重试 Retrying', 'bad'], held: ['暂停 Held', 'bad'],
    uncertain: ['未确认 Unconfirmed', 'bad'], rerouted: ['已转单 Moved', 'warn'], failed: ['失败 Failed', 'bad']
  };

  /** An Idempotency-Key: 128 random bits as hex (crypto.getRandomValues works without a secure context). */
  function newKey() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  function staffToken() { var staff = load(sessionStorage, STAFF); return staff ? staff.token : null; }
  function printerPath(id) { return '/api/v1/printers/' + encodeURIComponent(id); }
  function byId(id) { for (var i = 0; i < printers.length; i++) if (printers[i].id === id) return printers[i]; return null; }
  function printerName(id) { var p = byId(id); return p ? p.name : id; }
  function stationLabel(id) {
    for (var i = 0; i < stations.length; i++) if (stations[i].id === id) return stations[i].label;
    return id;
  }
  function stationNames(id) {
    for (var i = 0; i < stations.length; i++) if (stations[i].id === id) return stations[i];
    return { zh: id, en: id };
  }
  /** A reason in both languages; a job's error ('printer held: paper-out') by the reason it ends with. */
  function reasonText(r) {
    if (REASONS[r]) return REASONS[r];
    var at = r.lastIndexOf(': ');
    return (at >= 0 && REASONS[r.slice(at + 2)]) || r;
  }
  function time(ms) { return new Date(ms).toLocaleTimeString('zh-CN', { hour12: false }); }
  function button(text, attr, cls) {
    var b = el('button', 'btn' + (cls ? ' ' + cls : ''), text);
    b.type = 'button';
    b.setAttribute(attr, '');
    return b;
  }

  /** The hub's own words for a refusal, with its status and code; or that it did not answer. */
  function problem(r) {
    if (!r.status) return '中枢无应答 The hub did not answer: 请检查网络后重试 check the network and try again';
    var e = r.body && r.body.error;
    return (e && e.message ? e.message : 'HTTP ' + r.status) + ' (' + r.status + (e && e.code ? ' ' + e.code : '') + ')';
  }
  function notice(text, bad) {
    var n = $('notice');
    n.textContent = text || '';
    n.className = 'notice' + (bad ? ' bad' : '');
    n.hidden = !text;
  }
  function say(c, text, bad) { c.msg.textContent = text || ''; c.msg.className = 'printer__msg' + (bad ? ' bad' : ''); }

  /** Sends a mutation with its Idempotency-Key (see the top of hub/http/printers-page-script.ts). */
  async function send(action, method, path, body) {
    var sig = method + ' ' + path + ' ' + JSON.stringify(body === undefined ? null : body);
    var was = pending[action];
    var key = was && was.sig === sig ? was.key : newKey();
    pending[action] = { sig: sig, key: key };
    var r = await api(method, path, staffToken(), body, { 'Idempotency-Key': key });
    if (r.status !== 0 && r.status !== 429 && r.status < 500) delete pending[action];
    return r;
  }

  /* ---- the list ---- */

  /** [what to show, tone]: ok (green), warn (amber: prints, but look), bad (red: its tickets are not printing), idle (grey). */
  function statusOf(p) {
    var s = p.status;
    var why = s.reason ? ' · ' + reasonText(s.reason) : '';
    if (s.state === 'online') {
      return s.warnings.length ? ['在线 Online · ' + s.warnings.map(reasonText).join(' · '), 'warn'] : ['在线 Online', 'ok'];
    }
    if (s.state === 'offline') return ['离线 Offline' + why, 'bad'];
    if (s.state === 'held') return s.reason === 'paper-out' || s.reason === 'cover-open' ? [reasonText(s.reason), 'bad'] : ['暂停 Held' + why, 'bad'];
    if (s.state === 'failed-over') {
      var to = s.failedOverTo ? printerName(s.failedOverTo) : '?';
      return ['已转到 ' + to + ' · Failed over to ' + to + why, 'bad'];
    }
    if (s.state === 'disabled') return ['停用 Disabled', 'idle'];
    return ['未连接过 Not contacted yet', 'idle'];
  }

  function fact(dl, term, value, attr, bad) {
    dl.appendChild(el('dt', null, term));
    var dd = el('dd', bad ? 'bad' : null, value);
    if (attr) dd.setAttribute(attr, '');
    dl.appendChild(dd);
  }

  function liveBlock(p, st) {
    var live = el('div', 'printer__live');
    var head = el('div', 'printer__head');
    var name = el('h2', 'printer__name', p.name);
    name.setAttribute('data-name', '');
    head.appendChild(name);
    if (p.simulated) {
      var sim = el('a', 'tag', '模拟 Simulated');
      sim.href = '/printers/sim';
      head.appendChild(sim);
    }
    var badge = el('span', 'badge badge--' + st[1], st[0]);
    badge.setAttribute('data-status', '');
    head.appendChild(badge);
    live.appendChild(head);
    var facts = el('dl', 'facts');
    fact(facts, '待打印 Waiting', String(p.status.queued), 'data-queue', p.status.queued > 0 && st[1] === 'bad');
    // held or offline, the last error is the reason the badge already gives
    if (p.status.lastError && p.status.lastError !== p.status.reason) fact(facts, '最近错误 Last error', reasonText(p.status.lastError), 'data-last-error', true);
    if (p.status.since && st[1] !== 'ok') fact(facts, '自 Since', time(p.status.since));
    fact(facts, '档口 Prints for', p.stations.length ? p.stations.map(stationLabel).join(' · ') : '无 Nothing', 'data-stations', !p.stations.length);
    fact(facts, '备用 Backup', p.backupPrinterId ? printerName(p.backupPrinterId) : '无 None', 'data-backup');
    fact(facts, '地址 Address', p.host + ':' + p.port, 'data-address');
    fact(facts, '纸 Paper', (ENCODINGS[p.encoding] || p.encoding) + ' · ' + p.widthChars + ' 字 chars');
    live.appendChild(facts);
    return live;
  }

  function newCard(id) {
    var c = { card: el('article', 'printer'), live: el('div') };
    c.card.setAttribute('data-printer', id);
    c.card.appendChild(c.live);
    var tools = el('div', 'printer__tools');
    var test = button('测试页 Test page', 'data-test', 'btn--primary');
    var edit = button('修改 Edit', 'data-edit');
    var jobs = button('记录 Jobs', 'data-jobs-toggle');
    var remove = button('删除 Remove', 'data-remove', 'btn--danger');
    [test, edit, jobs, remove].forEach(function (b) { tools.appendChild(b); });
    c.card.appendChild(tools);
    c.confirm = el('div', 'confirm');
    c.confirm.setAttribute('data-confirm', '');
    c.confirm.hidden = true;
    c.card.appendChild(c.confirm);
    c.msg = el('p', 'printer__msg');
    c.msg.setAttribute('data-msg', '');
    c.msg.setAttribute('role', 'status');
    c.card.appendChild(c.msg);
    c.jobs = el('div', 'jobs');
    c.jobs.setAttribute('data-jobs', '');
    c.jobs.hidden = true;
    c.card.appendChild(c.jobs);
    test.addEventListener('click', function () { void testPage(id, c, test); });
    edit.addEventListener('click', function () { var p = byId(id); if (p) openEditor(p); });
    jobs.addEventListener('click', function () {
      c.jobs.hidden = !c.jobs.hidden;
      if (!c.jobs.hidden) void loadJobs(id, c);
    });
    remove.addEventListener('click', function () { askRemove(id, c); });
    return c;
  }

  function render() {
    var list = $('list');
    var seen = {};
    var empty = list.querySelector('[data-empty]');
    if (empty) list.removeChild(empty);
    printers.forEach(function (p, i) {
      seen[p.id] = true;
      var c = cards[p.id] || (cards[p.id] = newCard(p.id));
      var st = statusOf(p);
      c.card.className = 'printer printer--' + st[1];
      c.card.setAttribute('data-state', p.status.state);
      c.card.setAttribute('data-tone', st[1]);
      var live = liveBlock(p, st);
      c.card.replaceChild(live, c.live);
      c.live = live;
      // moved only when out of place: moving a card would take the focus off its buttons
      if (list.children[i] !== c.card) list.insertBefore(c.card, list.children[i] || null);
    });
    Object.keys(cards).forEach(function (id) {
      if (seen[id]) return;
      list.removeChild(cards[id].card);
      delete cards[id];
    });
    if (!printers.length) {
      var none = el('p', 'empty', '还没有打印机：点「添加打印机」 No printers yet: tap Add printer.');
      none.setAttribute('data-empty', '');
      list.appendChild(none);
    }
  }

  /**
   * A warning per station no printer prints: its tickets are not lost but wait on the hub, and print by
   * themselves once a printer is given the station (here, with Edit or Add printer).
   */
  function renderUnprinted() {
    var box = $('unprinted');
    var sig = JSON.stringify(unprinted);
    if (sig === unprintedShown) return;
    unprintedShown = sig;
    box.textContent = '';
    unprinted.forEach(function (s) {
      var n = stationNames(s.stationId);
      var line = el('p', 'notice bad', '没有打印机打印 ' + n.zh + '：' + s.waiting + ' 张单在等，给它设置打印机后自动打印 · No printer prints ' + n.en + ': ' +
        s.waiting + (s.waiting === 1 ? ' ticket' : ' tickets') + ' waiting; they print once a printer is given the station');
      line.setAttribute('data-station-without-printer', s.stationId);
      line.setAttribute('data-waiting', String(s.waiting));
      box.appendChild(line);
    });
    box.hidden = !unprinted.length;
  }

  function setStale(r) {
    if (r) {
      stale = true;
      $('list').setAttribute('data-stale', '');
      return notice('读取状态失败，显示的可能已过时 Could not read the status, what is shown may be out of date: ' + problem(r), true);
    }
    if (!stale) return;
    stale = false;
    $('list').removeAttribute('data-stale');
    notice('');
  }

  function schedule() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, quickReads > 0 ? QUICK_MS : REFRESH_MS);
    if (quickReads > 0) quickReads--;
  }
  /** Reads now and a few times soon after: what the manager just did shows its effect at once. */
  function refreshSoon() {
    quickReads = QUICK_READS;
    return refresh();
  }
  /** Reads the printers again and redraws the cards; the next read follows REFRESH_MS after the answer. */
  async function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = null;
    if ($(MAIN).hidden) return; // signed out: no more polling until start()
    if (document.hidden) return schedule();
    var seq = ++refreshSeq;
    var r = await api('GET', '/api/v1/printers', staffToken());
    if (seq !== refreshSeq || $(MAIN).hidden) return; // a later read answers (and schedules) instead
    if (signedOut(r)) return;
    if (r.status === 200 && r.body && r.body.printers) {
      printers = r.body.printers;
      unprinted = r.body.stationsWithoutPrinter || [];
      setStale(null);
      render();
      renderUnprinted();
    } else {
      setStale(r);
    }
    schedule();
  }
  document.addEventListener('visibilitychange', function () { if (!document.hidden) void refresh(); });

  /* ---- actions on a printer ---- */

  async function testPage(id, c, btn) {
    btn.disabled = true;
    say(c, '发送中 Sending…');
    var r = await send('test:' + id, 'POST', printerPath(id) + '/test');
    btn.disabled = false;
    if (signedOut(r)) return;
    if (r.status !== 201) return say(c, '测试页失败 Test page refused: ' + problem(r), true);
    say(c, '测试页已排队 Test page queued (#' + r.body.job.id + ')…');
    void refreshSoon();
    await followJob(id, r.body.job.id, c);
  }

  /** Says on the card when the test page has printed, or why it has not yet (FOLLOW_TRIES reads at most). */
  async function followJob(id, jobId, c) {
    for (var i = 0; i < FOLLOW_TRIES; i++) {
      await new Promise(function (resolve) { setTimeout(resolve, FOLLOW_MS); });
      if ($(MAIN).hidden || !cards[id]) return;
      var r = await api('GET', '/api/v1/print-jobs?printerId=' + encodeURIComponent(id) + '&limit=20', staffToken());
      if (r.status !== 200 || !r.body) continue;
      var job = r.body.jobs.filter(function (j) { return j.id === jobId; })[0];
      if (!job) return;
      if (job.state === 'confirmed') {
        say(c, '测试页已打印 Test page printed (#' + jobId + ')');
        if (!c.jobs.hidden) void loadJobs(id, c);
        return;
      }
      var state = JOB_STATES[job.state] || [job.state, 'warn'];
      if (state[1] === 'bad' || job.state === 'rerouted') {
        say(c, '测试页 Test page (#' + jobId + '): ' + state[0] + (job.lastError ? ' · ' + reasonText(job.lastError) : ''), state[1] === 'bad');
        if (job.state === 'failed' || job.state === 'rerouted') return;
      }
    }
  }

  async function loadJobs(id, c) {
    var r = await api('GET', '/api/v1/print-jobs?printerId=' + encodeURIComponent(id) + '&limit=' + JOBS_SHOWN, staffToken());
    if (signedOut(r)) return;
    c.jobs.textContent = '';
    if (r.status !== 200) return void c.jobs.appendChild(el('p', 'printer__msg bad', '无法读取打印记录 Could not read the print jobs: ' + problem(r)));
    if (!r.body.jobs.length) return void c.jobs.appendChild(el('p', null, '还没有打印记录 Nothing printed yet'));
    var list = el('ol');
    r.body.jobs.forEach(function (j) { list.appendChild(jobRow(id, j, c)); });
    c.jobs.appendChild(list);
  }

  function jobRow(id, j, c) {
    var li = el('li', 'job');
    li.setAttribute('data-job', String(j.id));
    var what = (JOB_KINDS[j.kind] || j.kind) + (j.orderNumber ? ' #' + j.orderNumber : '') + (j.reprintNumber ? ' · 重打 Reprint ' + j.reprintNumber : '');
    li.appendChild(el('span', 'job__what', what));
    var state = JOB_STATES[j.state] || [j.state, 'idle'];
    var badge = el('span', 'badge badge--' + state[1], state[0]);
    badge.setAttribute('data-job-state', j.state);
    li.appendChild(badge);
    li.appendChild(el('span', 'job__time', time(j.createdAt)));
    var again = button('重打 Reprint', 'data-reprint');
    again.addEventListener('click', async function () {
      again.disabled = true;
      var r = await send('reprint:' + j.id, 'POST', '/api/v1/print-jobs/' + j.id + '/reprint', {});
      again.disabled = false;
      if (signedOut(r)) return;
      if (r.status !== 201) return say(c, '重打失败 Reprint refused: ' + problem(r), true);
      say(c, '已重打 Reprint queued (#' + r.body.job.id + ')');
      void refreshSoon();
      void loadJobs(id, c);
    });
    li.appendChild(again);
    if (j.lastError && j.state !== 'confirmed') li.appendChild(el('span', 'job__err', reasonText(j.lastError)));
    return li;
  }

  function askRemove(id, c) {
    var p = byId(id);
    if (!p) return;
    c.confirm.textContent = '';
    var backup = p.backupPrinterId ? printerName(p.backupPrinterId) : null;
    var q = p.status.queued;
    c.confirm.appendChild(el('p', null,
      '删除「' + p.name + '」？它待打印的单子（' + q + ' 张）会转到' + (backup ? '备用打印机「' + backup + '」或' : '') + '同档口的其他打印机。 ' +
      'Remove ' + p.name + '? Its waiting tickets (' + q + ') move to ' + (backup ? 'its backup printer ' + backup + ' or ' : '') + 'another printer of its station.'));
    var dependents = printers.filter(function (o) { return o.backupPrinterId === id; }).map(function (o) { return o.name; });
    if (dependents.length) {
      c.confirm.appendChild(el('p', null, '它是「' + dependents.join('、') + '」的备用打印机，请先修改那台。 It is the backup of ' + dependents.join(', ') + ': change that first.'));
    }
    var row = el('div');
    var yes = button('确认删除 Remove it', 'data-confirm-remove', 'btn--danger');
    var no = button('取消 Keep it', 'data-confirm-cancel');
    row.appendChild(yes);
    row.appendChild(no);
    c.confirm.appendChild(row);
    c.confirm.hidden = false;
    no.addEventListener('click', function () { c.confirm.hidden = true; });
    yes.addEventListener('click', async function () {
      yes.disabled = true;
      var r = await send('remove:' + id, 'DELETE', printerPath(id));
      yes.disabled = false;
      if (signedOut(r)) return;
      c.confirm.hidden = true;
      if (r.status === 200 || r.status === 404) {
        if (editing && editing.id === id) closeEditor();
        notice('已删除 Removed: ' + p.name);
        return void refreshSoon();
      }
      say(c, '删除失败 Not removed: ' + problem(r), true);
    });
  }

  /* ---- the add / change form ---- */

  function field(name) { return $('editor').elements.namedItem(name); }
  function formError(text) {
    $('form-error').textContent = text || '';
    $('form-error').hidden = !text;
  }
  function clearMarks() {
    Array.prototype.forEach.call($('editor').querySelectorAll('[aria-invalid]'), function (e) { e.removeAttribute('aria-invalid'); });
    $('offline-ok').classList.remove('attention');
  }

  function fillStations(chosen) {
    var box = $('stations');
    Array.prototype.slice.call(box.querySelectorAll('label')).forEach(function (l) { box.removeChild(l); });
    var ids = stations.map(function (s) { return s.id; });
    // a station the printer names but the menu no longer has stays listed: unticking it is the manager's choice
    chosen.forEach(function (id) { if (ids.indexOf(id) < 0) ids.push(id); });
    ids.forEach(function (id) {
      var label = el('label', 'check');
      var box1 = el('input');
      box1.type = 'checkbox';
      box1.name = 'stations';
      box1.value = id;
      box1.checked = chosen.indexOf(id) >= 0;
      label.appendChild(box1);
      label.appendChild(document.createTextNode(' ' + stationLabel(id)));
      box.appendChild(label);
    });
  }

  function fillBackups(p) {
    var select = field('backupPrinterId');
    select.textContent = '';
    var none = el('option', null, '无 None');
    none.value = '';
    select.appendChild(none);
    printers.forEach(function (o) {
      if (p && o.id === p.id) return;
      var opt = el('option', null, o.name);
      opt.value = o.id;
      select.appendChild(opt);
    });
    select.value = p && p.backupPrinterId ? p.backupPrinterId : '';
  }

  function openEditor(p) {
    var f = $('editor');
    f.reset();
    formError('');
    clearMarks();
    editing = p ? { id: p.id } : { id: null, newId: 'printer-' + newKey().slice(0, 20) };
    $('editor-title').textContent = p ? '修改打印机 Change printer: ' + p.name : '添加打印机 Add a printer';
    fillStations(p ? p.stations : []);
    fillBackups(p);
    if (p) {
      field('name').value = p.name;
      field('host').value = p.host;
      field('port').value = String(p.port);
      field('encoding').value = p.encoding;
      field('widthChars').value = String(p.widthChars);
      field('buzzer').value = p.buzzer;
      field('enabled').checked = p.enabled;
    }
    f.hidden = false;
    f.scrollIntoView({ block: 'start' });
    field('name').focus();
  }
  function closeEditor() {
    editing = null;
    $('editor').hidden = true;
  }

  /** The form as the hub's fields; null (and said why) when the port is not a number at all. */
  function formValues() {
    var port = field('port');
    if (port.validity.badInput) {
      port.setAttribute('aria-invalid', 'true');
      formError('端口必须是数字 The port must be a number (usually 9100)');
      return null;
    }
    var chosen = Array.prototype.filter.call($('editor').querySelectorAll('input[name=stations]'), function (b) { return b.checked; })
      .map(function (b) { return b.value; });
    return {
      name: field('name').value.trim(),
      host: field('host').value.trim(),
      port: port.value === '' ? 9100 : Number(port.value),
      encoding: field('encoding').value,
      widthChars: Number(field('widthChars').value),
      buzzer: field('buzzer').value,
      stations: chosen,
      backupPrinterId: field('backupPrinterId').value || null,
      enabled: field('enabled').checked
    };
  }

  /** What changed against the printer as the list shows it (PATCH takes any subset); null when nothing did. */
  function changes(v, p) {
    var out = {};
    var n = 0;
    Object.keys(v).forEach(function (k) {
      var same = k === 'stations' ? v.stations.slice().sort().join(',') === p.stations.slice().sort().join(',') : v[k] === p[k];
      if (!same) { out[k] = v[k]; n++; }
    });
    return n ? out : null;
  }

  /** Shows the hub's refusal next to the form: its message, every field it names, and what to do if unreachable. */
  function refused(r) {
    var e = r.body && r.body.error;
    var lines = [problem(r)];
    if (e && Array.isArray(e.details)) {
      e.details.slice(1).forEach(function (d) { if (d && d.message) lines.push((d.path ? d.path + ': ' : '') + d.message); });
      e.details.forEach(function (d) {
        var target = d && d.path ? d.path.split('.')[0] : '';
        var node = target === 'stations' ? $('stations') : target ? field(target) : null;
        if (node && node.setAttribute) node.setAttribute('aria-invalid', 'true');
      });
    } else if (e && e.message) {
      var named = /^([A-Za-z]+):/.exec(e.message);
      var node1 = named ? (named[1] === 'stations' ? $('stations') : field(named[1])) : null;
      if (node1 && node1.setAttribute) node1.setAttribute('aria-invalid', 'true');
    }
    if (e && e.code === 'printer_unreachable') {
      lines.push('打印机关着或地址不对？核对地址，或勾选「现在连不上也保存」。 Printer switched off, or a wrong address? Check it, or tick "Save even if it does not answer now".');
      field('host').setAttribute('aria-invalid', 'true');
      field('port').setAttribute('aria-invalid', 'true');
      $('offline-ok').classList.add('attention');
    }
    formError(lines.join('\\n'));
  }

  $('editor').addEventListener('submit', async function (ev) {
    ev.preventDefault();
    if (!editing || saving) return;
    clearMarks();
    formError('');
    var v = formValues();
    if (!v) return;
    var adding = editing.id === null;
    var current = adding ? null : byId(editing.id);
    if (!adding && !current) { closeEditor(); return notice('这台打印机已被删除 That printer has been removed meanwhile', true); }
    var body = adding ? Object.assign({ id: editing.newId }, v) : changes(v, current);
    if (!body) { closeEditor(); return notice('没有更改 Nothing changed'); }
    if (field('allowOffline').checked) body.allowOffline = true;
    saving = true;
    var saveButton = $('editor').querySelector('[data-save]');
    saveButton.disabled = true;
    saveButton.textContent = '保存中 Saving…';
    var r = adding ? await send('create', 'POST', '/api/v1/printers', body) : await send('change:' + editing.id, 'PATCH', printerPath(editing.id), body);
    saving = false;
    saveButton.disabled = false;
    saveButton.textContent = '保存 Save';
    if (signedOut(r)) return;
    if ((r.status === 201 || r.status === 200) && r.body && r.body.printer) {
      closeEditor();
      notice((adding ? '已添加 Added: ' : '已保存 Saved: ') + r.body.printer.name);
      return void refreshSoon();
    }
    var e = r.body && r.body.error;
    if (adding && r.status === 409 && e && e.details && e.details.printerId === body.id) {
      // an earlier try whose answer was lost did add it: nothing to add twice
      closeEditor();
      notice('已添加（之前的尝试） Added already, by the earlier try: check it below');
      return void refreshSoon();
    }
    refused(r);
  });
  $('cancel').addEventListener('click', closeEditor);
  $('add').addEventListener('click', function () { openEditor(null); });

  async function start() {
    var staff = signedInManager();
    if (!staff) return;
    var answers = await Promise.all([api('GET', '/api/v1/printers', staff.token), api('GET', '/api/v1/menu', staff.token)]);
    var r = answers[0];
    var menu = answers[1];
    if (signedOut(r)) return;
    if (r.status !== 200 || !r.body || !r.body.printers) {
      show('pin');
      return error('无法读取打印机 Could not read the printers: ' + hubMessage(r));
    }
    // another manager signing in on this tab starts from a clean page (the hub keeps keys per person, too)
    pending = {};
    closeEditor();
    notice('');
    Object.keys(cards).forEach(function (id) { $('list').removeChild(cards[id].card); });
    cards = {};
    stations = (menu.status === 200 && menu.body && menu.body.menu ? menu.body.menu.stations : []).map(function (s) {
      return { id: s.id, label: s.nameZh + ' ' + s.nameEn, zh: s.nameZh || s.nameEn, en: s.nameEn || s.nameZh };
    }).concat([{ id: RECEIPTS, label: '前台小票 Receipts & pickup slips', zh: '前台小票', en: 'Receipts & pickup slips' }]);
    printers = r.body.printers;
    unprinted = r.body.stationsWithoutPrinter || [];
    unprintedShown = null;
    error(menu.status === 200 ? '' : '无法读取菜单的档口 Could not read the stations of the menu: ' + hubMessage(menu));
    show(MAIN);
    render();
    renderUnprinted();
    schedule();
  }

  start();
})();
`;
}
