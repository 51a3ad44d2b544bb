import type { Floor, Menu } from '../../hub/protocol/index.ts';
import { formatMoney } from '../shared/format.ts';
import { entryView, madeForAnotherStore } from '../shared/outbox.ts';
import type { PosT } from './messages.ts';
import type { PosAction, PosApp, PosSubmission } from './pos-app.ts';
import { rejectionKey } from './pos-logic.ts';

/**
 * Changes this tablet made, each with where it stands; a refused batch of dishes offers to go back in the
 * cart (its dishes left the cart when it was queued). No hooks: unit-tested without a browser.
 */
export function SubmissionList({ app, subs, menu, floor, t }: { app: PosApp; subs: readonly PosSubmission[]; menu: Menu; floor: Floor | null; t: PosT }) {
  return (
    <ul class="p-subs">
      {subs.map((e) => (
        <Submission key={e.id} e={e} menu={menu} floor={floor} t={t} {...(app.canPutBack(e.id) ? { onPutBack: () => void app.putBack(e.id) } : {})} />
      ))}
    </ul>
  );
}

/** One change this tablet made, with where it stands: saved here → sending → confirmed, or why it was refused. */
export function Submission({ e, menu, floor, t, onPutBack }: { e: PosSubmission; menu: Menu; floor: Floor | null; t: PosT; onPutBack?: () => void }) {
  const view = entryView(e);
  const a = e.meta.action;
  // the hub's own message is for developers (English, amounts in fen): staff read why in their language, and
  // a manager can still hover for the hub's words
  const why = view === 'rejected' ? t(rejectionKey(a.kind, e.error?.code)) : null;
  return (
    <li class={`p-sub p-sub--${view}`} data-submission={a.kind} data-state={view} data-error-code={e.error?.code}>
      <span>{describe(a, menu, floor, t)}</span>
      <span class="p-sub__state" title={view === 'rejected' ? (e.error?.message ?? '') : undefined}>
        {why !== null ? t('sub.rejected', { message: why }) : madeForAnotherStore(e) ? t('sub.otherStore') : t(`sub.${view}`)}
      </span>
      {onPutBack && (
        <button type="button" class="btn btn--small" data-put-back onClick={onPutBack}>
          {t('sub.putBack')}
        </button>
      )}
    </li>
  );
}

function describe(a: PosAction, menu: Menu, floor: Floor | null, t: PosT): string {
  const tableName = (id: string) => floor?.tables.find((x) => x.id === id)?.name ?? id;
  switch (a.kind) {
    case 'open':
      return t('sub.open', { n: a.guests });
    case 'lines':
      return t('sub.lines', { n: a.lines.reduce((n, l) => n + l.qty, 0) });
    case 'payment':
      return t('sub.payment', { amount: formatMoney(a.amountMinor, menu.currency) });
    case 'void':
      return a.approvedBy ? t('sub.voidApproved', { name: a.approvedBy }) : t('sub.void');
    case 'fire':
      return t('sub.fire', { n: a.course });
    case 'refund': {
      const amount = formatMoney(a.amountMinor, menu.currency);
      return a.approvedBy ? t('sub.refundApproved', { amount, name: a.approvedBy }) : t('sub.refund', { amount });
    }
    case 'transfer':
      return t('sub.transfer', { table: tableName(a.toTableId) });
    case 'moveTable':
      return t('sub.moveTable', { from: tableName(a.fromTableId), table: tableName(a.toTableId) });
    case 'merge':
      return t('sub.merge', { table: tableName(a.intoTableId) });
    case 'billRequest':
      return a.requested ? t('sub.billRequest') : t('sub.billClear');
    case 'receipt':
      return t('sub.receipt');
    case 'reprint':
      return a.slip === 'receipt' ? t('sub.reprintReceipt', { n: a.jobId }) : a.slip === 'pickup' || a.slip === 'other' ? t('sub.reprintSlip', { n: a.jobId }) : t('sub.reprint', { n: a.jobId });
    case 'float':
      return t('sub.float', { amount: formatMoney(a.amountMinor, menu.currency), date: a.businessDate });
  }
}
