import type { Menu, MenuItem } from '../../../hub/protocol/index.ts';
import { groupsOf, toggleOption, type GroupProblem } from '../cart.ts';
import { formatMoney } from '../format.ts';
import { nameIn, type Lang, type Translate } from '../i18n.ts';

/**
 * An item's option groups as touch chips (spice, size, ice…), the same rules on every app: a group that
 * still needs a choice is marked, a full multi-choice group disables its other chips. Each app styles it
 * through its class prefix (`k-group`, `q-opt`, `p-opts`…); tests find chips by `data-option`.
 */
export function OptionGroups(p: {
  prefix: 'k' | 'q' | 'p';
  menu: Menu;
  item: MenuItem;
  chosen: readonly string[];
  problems: readonly GroupProblem[];
  onChange: (optionIds: string[]) => void;
  lang: Lang;
  t: Translate<'item.required' | 'item.optional'>;
}) {
  const { prefix: x, menu, item, chosen, lang, t } = p;
  return (
    <>
      {groupsOf(menu, item).map((g) => {
        const count = g.options.filter((o) => chosen.includes(o.id)).length;
        const full = g.maxChoices > 1 && count >= g.maxChoices;
        const missing = p.problems.some((q) => q.group.id === g.id);
        return (
          <fieldset key={g.id} class={`${x}-group${missing ? ' is-missing' : ''}`} data-group={g.id}>
            <legend>
              {nameIn(lang, g)} <small>{g.minChoices > 0 ? t('item.required') : t('item.optional', { n: g.maxChoices })}</small>
            </legend>
            <div class={`${x}-opts`}>
              {g.options.map((o) => {
                const on = chosen.includes(o.id);
                return (
                  <button
                    type="button"
                    key={o.id}
                    class={`${x}-opt${on ? ' is-on' : ''}`}
                    data-option={o.id}
                    aria-pressed={on}
                    disabled={!on && full}
                    onClick={() => p.onChange(toggleOption(menu, item, chosen, o.id))}
                  >
                    {nameIn(lang, o)}
                    {o.priceDeltaMinor !== 0 && (
                      <small>
                        {' '}
                        {o.priceDeltaMinor > 0 ? '+' : ''}
                        {formatMoney(o.priceDeltaMinor, menu.currency)}
                      </small>
                    )}
                  </button>
                );
              })}
            </div>
          </fieldset>
        );
      })}
    </>
  );
}
