/**
 * Two languages, Chinese first. Messages are plain objects checked by the compiler: the English table must
 * have exactly the keys of the Chinese one. `{name}` placeholders are filled from params.
 */
import { useStore, Store } from './store.ts';
import { load, save } from './storage.ts';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

export type Dictionary<K extends string> = Record<Lang, Record<K, string>>;
export type Translate<K extends string> = (key: K, params?: Record<string, string | number>) => string;

export function defineMessages<const Z extends Record<string, string>>(zh: Z, en: { [K in keyof Z]: string }): Dictionary<keyof Z & string> {
  return { 'zh-CN': zh, en };
}

export function translator<K extends string>(dict: Dictionary<K>, lang: Lang): Translate<K> {
  const table = dict[lang];
  return (key, params) => {
    const text = table[key];
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

const initial = (): Lang => {
  const stored = load<string>('lang');
  return stored === 'en' || stored === 'zh-CN' ? stored : 'zh-CN';
};

/** The chosen language, remembered on the device. */
export const language = new Store<Lang>(initial());
const applyLang = (l: Lang) => {
  if (typeof document !== 'undefined') document.documentElement.lang = l;
};
applyLang(language.get());
language.subscribe((l) => {
  save('lang', l);
  applyLang(l);
});

export function useTranslate<K extends string>(dict: Dictionary<K>): { t: Translate<K>; lang: Lang } {
  const lang = useStore(language);
  return { t: translator(dict, lang), lang };
}

/** The bilingual names the hub keeps (`nameZh` / `nameEn`) in the chosen language. */
export const nameIn = (lang: Lang, x: { nameZh: string; nameEn: string }): string => (lang === 'en' ? x.nameEn || x.nameZh : x.nameZh || x.nameEn);
