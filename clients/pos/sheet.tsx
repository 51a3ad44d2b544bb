import type { ComponentChildren } from 'preact';

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
