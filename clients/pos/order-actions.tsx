import { useEffect, useState } from 'preact/hooks';
import type { Order } from '../../hub/protocol/index.ts';
import type { PrintJob } from '../../hub/protocol/printing.ts';
import { formatClock } from '../shared/format.ts';
import { nameIn, useTranslate } from '../shared/i18n.ts';
import { useStore } from '../shared/store.ts';
import { posMessages, type PosT } from './messages.ts';
import type { ApprovalRefusal, PosApp } from './pos-app.ts';
import { approvalText, ManagerPinInput, Sheet } from './sheet.tsx';

type Sheet = 'move' | 'merge' | 'reprint' | null;

/** What a waiter does to a whole table: move it, merge it into another, mark the bill requested, reprint. */
export function OrderActions({ app, order, t }: { app: PosApp; order: Order; t: PosT }) {
  const [sheet, setSheet] = useState<Sheet>(null);
  const requested = order.billRequestedAt != null;
  return (
    <div class="p-actions" data-actions>
      {order.tableId !== null && (
        <button type="button" class="btn" data-move onClick={() => setSheet('move')}>
          {t('act.move')}
        </button>
      )}
      <button type="button" class="btn" data-merge onClick={() => setSheet('merge')}>
        {t('act.merge')}
      </button>
      <button type="button" class={`btn${requested ? ' is-on' : ''}`} data-bill-request={requested} onClick={() => void app.requestBill(!requested)}>
        {requested ? t('act.billClear') : t('act.billRequest')}
      </button>
      <button type="button" class="btn" data-reprint-open onClick={() => setSheet('reprint')}>
        {t('act.reprint')}
      </button>
      {sheet === 'move' && <TablePicker app={app} mode="move" t={t} onClose={() => setSheet(null)} />}
      {sheet === 'merge' && <TablePicker app={app} mode="merge" t={t} onClose={() => setSheet(null)} />}
      {sheet === 'reprint' && <ReprintSheet app={app} t={t} onClose={() => setSheet(null)} />}
    </div>
  );
}

/**
 * Free tables to move the whole table to (not one this tablet is opening), or occupied ones to merge into
 * (never the current one).
 */
function TablePicker({ app, mode, t, onClose }: { app: PosApp; mode: 'move' | 'merge'; t: PosT; onClose: () => void }) {
  const s = useStore(app.state);
  const tables = (s.floor?.tables ?? []).filter((x) => x.id !== s.tableId && (mode === 'move' ? x.status === 'free' && !app.pendingOpen(x.id) : x.openOrderIds.length > 0));
  // the guests' phone orders (a separate check) move too: the waiter is told before choosing
  const moving = mode === 'move' ? app.ordersAtTable() : 0;
  return (
    <Sheet data={{ 'data-table-picker': mode }} title={mode === 'move' ? t('move.title') : t('merge.title')} cancel={t('cancel')} onClose={onClose}>
      {moving > 1 && (
        <p class="p-muted" data-move-count={moving}>
          {t('move.count', { n: moving })}
        </p>
      )}
      {tables.length === 0 && <p class="p-muted">{mode === 'move' ? t('move.none') : t('merge.none')}</p>}
      <div class="p-guests">
        {tables.map((x) => (
          <button
            type="button"
            key={x.id}
            class="p-chip"
            {...{ [mode === 'move' ? 'data-move-to' : 'data-merge-into']: x.id }}
            onClick={() => {
              void (mode === 'move' ? app.moveTable(x.id) : app.merge(x.id));
              onClose();
            }}
          >
            {x.name}
          </button>
        ))}
      </div>
    </Sheet>
  );
}

function ReprintSheet({ app, t, onClose }: { app: PosApp; t: PosT; onClose: () => void }) {
  const [jobs, setJobs] = useState<PrintJob[] | null | 'loading'>('loading');
  const { lang } = useTranslate(posMessages);
  const stations = useStore(app.state).menu?.stations ?? [];
  // the station's name, not its id ("hot" means nothing on a Chinese screen)
  const station = (id: string | null) => {
    const found = stations.find((x) => x.id === id);
    return found ? nameIn(lang, found) : '';
  };
  useEffect(() => {
    void app.kitchenTickets().then(setJobs);
  }, []);
  return (
    <Sheet data={{ 'data-reprint-sheet': true }} title={t('reprint.title')} cancel={t('cancel')} onClose={onClose}>
      {jobs === 'loading' && <p class="p-muted">{t('reprint.loading')}</p>}
      {jobs === null && <p class="p-muted">{t('unreachable.body')}</p>}
      {Array.isArray(jobs) && jobs.length === 0 && <p class="p-muted">{t('reprint.none')}</p>}
      {Array.isArray(jobs) &&
        jobs.map((j) => (
          <div key={j.id} class="p-line" data-print-job={j.id}>
            <div class="p-line__main">
              <strong>
                {[t(`reprint.kind.${j.kind as 'kitchen' | 'addon' | 'void'}`), station(j.stationId)].filter(Boolean).join(' · ')}
              </strong>
              <small>
                #{j.id} · {formatClock(j.createdAt)} · {t(`reprint.state.${j.state}`)}
              </small>
            </div>
            <button
              type="button"
              class="btn btn--small"
              data-reprint={j.id}
              onClick={() => {
                void app.reprint(j.id);
                onClose();
              }}
            >
              {t('reprint.go')}
            </button>
          </div>
        ))}
    </Sheet>
  );
}

/**
 * Voiding a line. A line the kitchen already has needs a manager: the manager types their PIN here, the hub
 * checks it, and the void is sent with the manager's session (the hub's rule decides, not the tablet).
 */
export function VoidForm({ app, lineId, fired, t, onDone }: { app: PosApp; lineId: string; fired: boolean; t: PosT; onDone: () => void }) {
  const staff = useStore(app.session.staff);
  const needsManager = fired && staff?.staff.role !== 'manager';
  const [reason, setReason] = useState('');
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<ApprovalRefusal | { problem: 'void.checking' } | null>(null);
  const submit = async () => {
    if (!needsManager) {
      await app.voidLine(lineId, reason);
      return onDone();
    }
    setProblem({ problem: 'void.checking' });
    const approval = await app.managerApproval(pin);
    if ('problem' in approval) {
      setPin('');
      return setProblem(approval);
    }
    await app.voidLine(lineId, reason, approval);
    onDone();
  };
  return (
    <form
      class="p-void"
      data-void-form={lineId}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {needsManager && <p class="p-hint">{t('void.managerNeeded')}</p>}
      <input data-void-reason placeholder={t('line.voidReason')} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
      {needsManager && (
        <ManagerPinInput
          data={{ 'data-manager-pin': true }}
          placeholder={t('void.managerPin')}
          value={pin}
          onInput={(v) => {
            setPin(v);
            setProblem(null);
          }}
          required
        />
      )}
      {problem && (
        <p class="p-hint" data-void-problem={problem.problem}>
          {approvalText(t, problem)}
        </p>
      )}
      <button type="submit" class="btn" data-void-confirm disabled={!reason.trim() || (needsManager && !/^\d{4,8}$/.test(pin)) || problem?.problem === 'void.checking'}>
        {t('line.void')}
      </button>
      <button type="button" class="btn" onClick={onDone}>
        {t('cancel')}
      </button>
    </form>
  );
}

/** Another tablet merged this order into another table's: say where, and offer to follow it. */
export function MergedNotice({ app, order, t }: { app: PosApp; order: Order; t: PosT }) {
  const s = useStore(app.state);
  const table = s.floor?.tables.find((x) => order.mergedIntoOrderId && x.openOrderIds.includes(order.mergedIntoOrderId));
  const name = table?.name ?? '';
  return (
    <div class="p-merged" data-merged-into={order.mergedIntoOrderId}>
      <p>{t('merged.note', { table: name })}</p>
      <button type="button" class="btn btn--primary" data-follow-merge onClick={() => app.followMerge()}>
        {t('merged.follow', { table: name })}
      </button>
    </div>
  );
}
