import { useRef, useState } from 'preact/hooks';
import type { Menu, Order } from '../../hub/protocol/index.ts';
import { formatMoney } from '../shared/format.ts';
import { nameIn, type Lang } from '../shared/i18n.ts';
import { useStore } from '../shared/store.ts';
import type { PosT } from './messages.ts';
import type { ApprovalRefusal, PosApp } from './pos-app.ts';
import { moneyText, parseMoney } from './pos-logic.ts';
import { ManagerApproval, Sheet } from './sheet.tsx';

type Payment = Order['payments'][number];
type Approving = ApprovalRefusal | { problem: 'void.checking' };

/** A payment's tender in words: 'other' (a voucher, taken on the manager page or by the API) is one too. */
export const tenderName = (tender: string, t: PosT): string => (tender === 'cash' ? t('bill.cash') : tender === 'card' ? t('bill.card') : t('takings.tender.other'));

/**
 * How the money goes back: cash from the drawer, a card on the terminal, anything else (a voucher) as it was
 * paid — the day counts that refund as "other", so cash handed over for it leaves the drawer short.
 */
export const refundHint = (tender: string, amount: string, t: PosT): string =>
  tender === 'cash' ? t('refund.cashBack', { amount }) : tender === 'card' ? t('refund.cardBack', { amount }) : t('refund.otherBack', { amount });

/**
 * Giving back money of one payment. A payment by item or seat is refunded by line: the waiter picks which of
 * its lines (all it still covers, at first) and the amount is what it still covers on them, as the hub
 * checks it; a payment on the whole bill can be refunded in part (all that is left, at first). A card refund
 * is made on the terminal first and carries its reference. Only a manager refunds: anyone else signed in
 * has a manager type their PIN here (the hub checks it, as for voiding a fired dish).
 */
export function RefundSheet({ app, payment, menu, t, lang, onClose }: { app: PosApp; payment: Payment; menu: Menu; t: PosT; lang: Lang; onClose: () => void }) {
  const s = useStore(app.state);
  useStore(app.session.staff);
  const cur = menu.currency;
  const left = app.refundLeft(payment.id);
  const byLine = payment.lines.length > 0;
  const [picked, setPicked] = useState<string[]>(() => [...(left?.lines.keys() ?? [])]);
  const [amount, setAmount] = useState(() => moneyText(left?.leftMinor ?? 0, cur));
  const [reason, setReason] = useState('');
  const [reference, setReference] = useState('');
  const [pin, setPin] = useState('');
  const [approving, setApproving] = useState<Approving | null>(null);
  // one tap, one refund: the sheet stays up while the refund is stored (and the PIN checked). A ref, not only
  // state: a second tap lands before the re-render, and after a PIN check a partial refund would still fit
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const needsManager = app.refundNeedsApproval();
  const stillCovered = left ? [...left.lines.keys()] : [];
  const chosen = picked.filter((id) => stillCovered.includes(id));
  const amountMinor = byLine ? app.refundAmount(payment.id, chosen) : parseMoney(amount, cur);
  const input = { paymentId: payment.id, amountMinor, reason, reference, ...(byLine ? { lineIds: chosen } : {}) };
  const problem = app.refundProblem(input);
  const ok = problem === null && (!needsManager || /^\d{4,8}$/.test(pin)) && !busy;
  const lineName = (id: string) => {
    const l = s.order?.lines.find((x) => x.id === id);
    return l ? `${nameIn(lang, l)} × ${l.qty}` : id;
  };
  const submit = async () => {
    if (!ok || amountMinor === null || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      const r = { paymentId: payment.id, amountMinor, reason, ...(reference.trim() ? { reference } : {}), ...(byLine ? { lineIds: chosen } : {}) };
      if (!needsManager) {
        if (await app.refund(r)) onClose();
        return;
      }
      setApproving({ problem: 'void.checking' });
      const approval = await app.managerApproval(pin);
      if ('problem' in approval) {
        setPin('');
        return setApproving(approval);
      }
      setApproving(null);
      if (await app.refund(r, approval)) onClose();
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  const back = amountMinor !== null && amountMinor > 0 ? formatMoney(amountMinor, cur) : null;
  return (
    <Sheet
      data={{ 'data-refund-sheet': payment.id }}
      title={t('refund.title', { payment: `${tenderName(payment.tender, t)} ${formatMoney(payment.amountMinor, cur)}` })}
      cancel={t('cancel')}
      onClose={onClose}
      actions={
        <button type="button" class="btn btn--primary" data-refund-confirm disabled={!ok} onClick={() => void submit()}>
          {t('refund.go')}
        </button>
      }
    >
      <p class="p-muted" data-refund-left={left?.leftMinor ?? 0}>
        {t('refund.left', { amount: formatMoney(left?.leftMinor ?? 0, cur) })}
      </p>
      {byLine ? (
        <>
          <p class="p-muted">{t('refund.pickLines')}</p>
          <div class="p-tenders">
            {stillCovered.map((id) => {
              const on = chosen.includes(id);
              return (
                <button
                  type="button"
                  key={id}
                  class={`p-chip${on ? ' is-on' : ''}`}
                  data-refund-line={id}
                  aria-pressed={on}
                  onClick={() => setPicked(on ? chosen.filter((x) => x !== id) : [...chosen, id])}
                >
                  {lineName(id)} · {formatMoney(left?.lines.get(id) ?? 0, cur)}
                </button>
              );
            })}
          </div>
        </>
      ) : null}
      <label class="field">
        <span>{t('refund.amount')}</span>
        <input data-refund-amount inputMode="decimal" readOnly={byLine} value={byLine ? moneyText(amountMinor ?? 0, cur) : amount} onInput={(e) => setAmount(e.currentTarget.value)} />
        {problem === 'over' && <small class="p-hint">{t('refund.over', { amount: formatMoney(left?.leftMinor ?? 0, cur) })}</small>}
      </label>
      <label class="field">
        <span>{t('refund.reason')}</span>
        <input data-refund-reason maxLength={140} value={reason} onInput={(e) => setReason(e.currentTarget.value)} required />
      </label>
      {payment.tender === 'card' && (
        <label class="field">
          <span>{t('refund.reference')}</span>
          <input data-refund-reference maxLength={80} value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
          {!reference.trim() && <small class="p-muted">{t('refund.needReference')}</small>}
        </label>
      )}
      {back && <p class="p-hint">{refundHint(payment.tender, back, t)}</p>}
      {needsManager && <p class="p-hint">{t('refund.managerNeeded')}</p>}
      <ManagerApproval
        pinData={{ 'data-refund-pin': true }}
        problemAttr="data-refund-problem"
        askPin={needsManager}
        pin={pin}
        onPin={(v) => {
          setPin(v);
          setApproving(null);
        }}
        problem={approving}
        placeholder={t('void.managerPin')}
        t={t}
      />
    </Sheet>
  );
}
