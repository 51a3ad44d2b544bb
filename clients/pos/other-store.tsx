import { useRef, useState } from 'preact/hooks';
import { formatMoney } from '../shared/format.ts';
import { useStore } from '../shared/store.ts';
import type { PosT } from './messages.ts';
import type { ApprovalRefusal, PosApp, PosOtherStoreWait } from './pos-app.ts';
import { ManagerApproval, Sheet } from './sheet.tsx';

const storeOf = (w: PosOtherStoreWait): string => w.storeName ?? w.storeId;

/**
 * What this tablet holds for another store (it was moved there and back, or for good), on every screen: one
 * line per store, with Discard. No hooks: tested without a browser.
 */
export function OtherStoreNotice({ app, t, onDiscard }: { app: PosApp; t: PosT; onDiscard: (w: PosOtherStoreWait) => void }) {
  const { otherStores } = app.state.get();
  if (otherStores.length === 0) return null;
  return (
    <>
      {otherStores.map((w) => (
        <div key={w.storeId} class="p-banner" data-other-store={w.storeId}>
          {t('otherStore.notice', { n: w.changes, store: storeOf(w) })}{' '}
          <button type="button" class="btn btn--small btn--ghost" data-discard-ask={w.storeId} onClick={() => onDiscard(w)}>
            {t('otherStore.discard')}
          </button>
        </div>
      ))}
    </>
  );
}

/** What a discard would lose: the counts, and each payment (amount, tender, reference) to record there by hand. */
export function OtherStoreFacts({ w, currency, t }: { w: PosOtherStoreWait; currency: string; t: PosT }) {
  const store = storeOf(w);
  return (
    <>
      <p>{t('otherStore.confirm', { store, n: w.changes, orders: w.orders, payments: w.payments.length })}</p>
      {w.payments.length > 0 && (
        <>
          <p>{t('otherStore.payments', { store })}</p>
          <ul data-discard-payments>
            {w.payments.map((p, i) => (
              <li key={i}>
                {formatMoney(p.amountMinor, currency)}
                {p.tender === 'cash' || p.tender === 'card' ? ` · ${t(`takings.tender.${p.tender}`)}` : ''}
                {p.reference ? ` · ${p.reference}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

/** The line(s), and the confirmation sheet: a manager's PIN typed on the spot when a waiter is signed in. */
export function OtherStoreAlerts({ app, currency, t }: { app: PosApp; currency: string; t: PosT }) {
  const { otherStores } = useStore(app.state);
  const [asked, setAsked] = useState<string | null>(null);
  const w = otherStores.find((x) => x.storeId === asked) ?? null;
  return (
    <>
      <OtherStoreNotice app={app} t={t} onDiscard={(x) => setAsked(x.storeId)} />
      {w && <DiscardSheet app={app} w={w} currency={currency} t={t} onClose={() => setAsked(null)} />}
    </>
  );
}

function DiscardSheet({ app, w, currency, t, onClose }: { app: PosApp; w: PosOtherStoreWait; currency: string; t: PosT; onClose: () => void }) {
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<ApprovalRefusal | { problem: 'void.checking' } | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const needsManager = app.discardNeedsApproval();
  const ok = (!needsManager || /^\d{4,8}$/.test(pin)) && !busy;
  const submit = async () => {
    if (!ok || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      let approval;
      if (needsManager) {
        setProblem({ problem: 'void.checking' });
        const a = await app.managerApproval(pin);
        if ('problem' in a) {
          setPin('');
          return setProblem(a);
        }
        approval = a;
      }
      await app.discardOtherStore(w.storeId, approval);
      onClose();
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return (
    <Sheet
      data={{ 'data-discard-sheet': w.storeId }}
      title={t('otherStore.title', { store: storeOf(w) })}
      cancel={t('cancel')}
      onClose={onClose}
      actions={
        <button type="button" class="btn btn--danger" data-discard-yes disabled={!ok} onClick={() => void submit()}>
          {t('otherStore.yes')}
        </button>
      }
    >
      <OtherStoreFacts w={w} currency={currency} t={t} />
      <ManagerApproval
        pinData={{ 'data-discard-pin': true }}
        problemAttr="data-discard-problem"
        askPin={needsManager}
        pin={pin}
        onPin={(v) => {
          setPin(v);
          setProblem(null);
        }}
        problem={problem}
        placeholder={t('charge.pin')}
        t={t}
      />
    </Sheet>
  );
}
