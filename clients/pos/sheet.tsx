import type { ComponentChildren } from 'preact';
import type { PosKey, PosT } from './messages.ts';

/**
 * A modal card over the tablet's screen: a tap outside or Cancel closes it. `data` names the card for the
 * tests (`{ 'data-guest-sheet': true }`); `actions` go beside Cancel.
 */
export function Sheet(p: { data: Record<string, string | boolean>; title: string; cancel: string; onClose: () => void; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="p-sheet" role="dialog" onClick={p.onClose}>
      <div class="p-sheet__card" {...p.data} onClick={(e) => e.stopPropagation()}>
        <h2>{p.title}</h2>
        {p.children}
        <div class="p-sheet__actions">
          <button type="button" class="btn" onClick={p.onClose}>
            {p.cancel}
          </button>
          {p.actions}
        </div>
      </div>
    </div>
  );
}

/** What a form says about a manager's PIN: checking, or why it approved nothing (whose PIN, when the hub named them). */
export function approvalText(t: PosT, note: { problem: PosKey; name?: string }): string {
  return note.problem === 'void.notManager' && note.name !== undefined ? t('void.notManagerNamed', { name: note.name }) : t(note.problem);
}

/**
 * A manager's approval in a sheet: the PIN field while one is asked for (`askPin`), and why the last try
 * approved nothing. `pinData` and `problemAttr` name both for the tests; typing goes to `onPin`, which
 * clears the last refusal.
 */
export function ManagerApproval(p: {
  pinData: Record<string, boolean>;
  problemAttr: string;
  askPin: boolean;
  pin: string;
  onPin: (pin: string) => void;
  problem: { problem: PosKey; name?: string } | null;
  placeholder: string;
  t: PosT;
}) {
  return (
    <>
      {p.askPin && <ManagerPinInput class="p-note" data={p.pinData} placeholder={p.placeholder} value={p.pin} onInput={p.onPin} />}
      {p.problem && (
        <p class="p-hint" {...{ [p.problemAttr]: p.problem.problem }}>
          {approvalText(p.t, p.problem)}
        </p>
      )}
    </>
  );
}

/**
 * The manager's PIN typed on the spot, to approve what a waiter may not do alone (a void of cooked food, a
 * refund, resolving a card charge). `data` names the field for the tests; typing clears the last refusal.
 */
export function ManagerPinInput(p: { data: Record<string, boolean>; placeholder: string; value: string; onInput: (pin: string) => void; class?: string; required?: boolean }) {
  return (
    <input
      {...p.data}
      {...(p.class ? { class: p.class } : {})}
      type="password"
      inputMode="numeric"
      autoComplete="off"
      placeholder={p.placeholder}
      value={p.value}
      onInput={(e) => p.onInput(e.currentTarget.value)}
      required={p.required ?? false}
    />
  );
}
