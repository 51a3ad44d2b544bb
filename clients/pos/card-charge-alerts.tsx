import { useRef, useState } from 'preact/hooks';
import type { UnrecordedCardCharge } from '../../hub/protocol/card-charges.ts';
import { formatClock, formatMoney } from '../shared/format.ts';
import { useStore } from '../shared/store.ts';
import { chargedOnEarlierDay, chargeFacts, chargeRefusalText, resolutionBody, resolutionDraft, type ResolutionDraft } from './card-charges.ts';
import type { PosKey, PosT } from './messages.ts';
import type { ApprovalRefusal, PosApp } from './pos-app.ts';
import { ManagerApproval, Sheet } from './sheet.tsx';

/**
 * The red strip of cards the kiosk charged that the hub refused to record (clients/pos/card-charges.ts),
 * under the printer alerts: one line per charge, with a button that opens the resolve sheet. Shown only
 * while there is one; it has no dismiss (the money is real): a manager resolves it, here or on another tablet.
 */
export function CardChargeAlerts({ app, currency, t }: { app: PosApp; currency: string; t: PosT }) {
  const { charges } = useStore(app.cardCharges.state);
  const [open, setOpen] = useState<UnrecordedCardCharge | null>(null);
  if (charges.length === 0) return null;
  const money = (minor: number) => formatMoney(minor, currency);
  const when = chargedWhen(app);
  return (
    <>
      <div class="palerts" role="alert" aria-live="assertive" aria-label={t('charge.label')} data-card-charges={charges.length}>
        {charges.map((c) => (
          <span class="palert palert--charge" key={c.id} data-card-charge={c.id} data-order-number={c.orderNumber ?? ''} title={c.refusal.message}>
            <b>{t('charge.alert', chargeFacts(c, money))}</b>
            <ChargedOn charge={c} when={when} t={t} />
            <button type="button" class="palert__btn" data-resolve-charge={c.id} onClick={() => setOpen(c)}>
              {t('charge.resolve')}
            </button>
          </span>
        ))}
      </div>
      {open && <ResolveSheet app={app} charge={open} money={money} when={when} t={t} onClose={() => setOpen(null)} />}
    </>
  );
}

/**
 * When the charge was made, as the strip reads it now: the hub's clock (the tablet's corrected by the hub's
 * answers) in the tablet's time zone, the store's, as every time on it is (`formatClock`).
 */
function chargedWhen(app: PosApp): (c: UnrecordedCardCharge) => { date: string; time: string } | null {
  const now = Date.now() + app.client.serverOffsetMs;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (c) => {
    const date = chargedOnEarlierDay(c, now, zone);
    return date === null ? null : { date, time: formatClock(c.createdAt) };
  };
}

/** An earlier business day's charge, still unresolved: its day and time (today's say none, as before). */
function ChargedOn({ charge, when, t }: { charge: UnrecordedCardCharge; when: ReturnType<typeof chargedWhen>; t: PosT }) {
  const w = when(charge);
  return w === null ? null : (
    <span class="palert__detail" data-charge-day={w.date}>
      {t('charge.when', w)}
    </span>
  );
}

type Problem = ApprovalRefusal | { problem: Extract<PosKey, 'void.checking' | 'charge.unreachable' | 'charge.forbidden' | 'charge.noOrder' | 'charge.storageFull'> };

const KINDS = ['refunded_on_terminal', 'recorded_as_payment', 'other'] as const;
const KIND_KEYS: Record<(typeof KINDS)[number], PosKey> = {
  refunded_on_terminal: 'charge.kind.refunded_on_terminal',
  recorded_as_payment: 'charge.kind.recorded_as_payment',
  other: 'charge.kind.other',
};
const PROBLEM_KEYS = { unreachable: 'charge.unreachable', no_order: 'charge.noOrder', forbidden: 'charge.forbidden', storage_full: 'charge.storageFull' } as const;

/**
 * What became of the money — refunded on the terminal, recorded as an order's card payment (the kiosk's own
 * order unless another is typed), or something else said in a note — and a manager's PIN typed on the spot
 * when the one signed in is not a manager (as for a refund). The day's takings count the charge by the kind.
 */
function ResolveSheet({
  app,
  charge,
  money,
  when,
  t,
  onClose,
}: {
  app: PosApp;
  charge: UnrecordedCardCharge;
  money: (minor: number) => string;
  when: ReturnType<typeof chargedWhen>;
  t: PosT;
  onClose: () => void;
}) {
  const [draft, setDraft] = useState<ResolutionDraft>(() => resolutionDraft(charge));
  const [pin, setPin] = useState('');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const inFlight = useRef(false);
  const needsManager = app.refundNeedsApproval();
  const body = resolutionBody(draft);
  const ok = body !== null && (!needsManager || /^\d{4,8}$/.test(pin)) && !busy;
  const facts = chargeFacts(charge, money);
  const edit = (patch: Partial<ResolutionDraft>) => {
    setDraft({ ...draft, ...patch });
    setProblem(null);
  };
  const submit = async () => {
    if (!ok || !body || inFlight.current) return;
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
      const outcome = await app.resolveCardCharge(charge.id, body, approval);
      if (outcome === 'resolved' || outcome === 'already_resolved') return onClose();
      setProblem({ problem: PROBLEM_KEYS[outcome] });
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };
  return (
    <Sheet
      data={{ 'data-charge-sheet': charge.id }}
      title={t('charge.title', { number: facts.number, amount: facts.amount })}
      cancel={t('cancel')}
      onClose={onClose}
      actions={
        <button type="button" class="btn btn--primary" data-charge-confirm disabled={!ok} onClick={() => void submit()}>
          {t('charge.go')}
        </button>
      }
    >
      <p class="p-muted">
        {t('charge.alert', facts)} <ChargedOn charge={charge} when={when} t={t} />
      </p>
      <p class="p-muted" title={charge.refusal.message}>
        {chargeRefusalText(charge, t)}
      </p>
      <p>{t('charge.kindLabel')}</p>
      <div class="p-tenders" role="radiogroup">
        {KINDS.map((k) => (
          <button type="button" key={k} class={`p-chip${draft.kind === k ? ' is-on' : ''}`} role="radio" aria-checked={draft.kind === k} data-charge-kind={k} onClick={() => edit({ kind: k })}>
            {t(KIND_KEYS[k])}
          </button>
        ))}
      </div>
      {draft.kind === 'recorded_as_payment' && (
        <label class="field">
          <span>{t('charge.orderNumber')}</span>
          <input data-charge-order inputMode="numeric" value={draft.orderNumber} onInput={(e) => edit({ orderNumber: e.currentTarget.value })} />
          <small class="p-muted">{t('charge.orderNumberHint', { ref: facts.ref })}</small>
        </label>
      )}
      {draft.kind !== null && (
        <label class="field">
          <span>{draft.kind === 'other' ? t('charge.note') : t('charge.noteOptional')}</span>
          <input data-charge-note maxLength={140} value={draft.note} onInput={(e) => edit({ note: e.currentTarget.value })} required={draft.kind === 'other'} />
        </label>
      )}
      <ManagerApproval
        pinData={{ 'data-charge-pin': true }}
        problemAttr="data-charge-problem"
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
