/**
 * The catalogues and the translate function. French is the default; Arabic flips the page
 * (<html dir="rtl" lang="ar">); the choice is kept in localStorage.
 */
import { ar } from './ar';
import { en } from './en';
import { fr, type MessageKey } from './fr';

export type Lang = 'fr' | 'ar' | 'en';
export const LANGS: Lang[] = ['fr', 'ar', 'en'];
export const CATALOGUES: Record<Lang, Record<MessageKey, string>> = { fr, ar, en };
export const LANG_NAMES: Record<Lang, string> = { fr: 'Français', ar: 'العربية', en: 'English' };
/** Locales for numbers and dates: Moroccan Arabic keeps Latin digits, as the room writes them. */
export const LOCALES: Record<Lang, string> = { fr: 'fr-MA', ar: 'ar-MA', en: 'en-GB' };

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const catalogue = CATALOGUES[lang];
  return (key, params) => {
    const text = catalogue[key] ?? fr[key] ?? key;
    return params ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : text;
  };
}

/** A label from a dynamic code (incident type, pause reason...) or the code itself. */
export function labelOf(t: Translate, prefix: string, code: string | null | undefined): string {
  if (!code) return '';
  const key = `${prefix}.${code}` as MessageKey;
  return key in fr ? t(key) : code;
}

export function direction(lang: Lang): 'rtl' | 'ltr' {
  return lang === 'ar' ? 'rtl' : 'ltr';
}

export function initialLang(stored: string | null, query: string | null): Lang {
  for (const candidate of [query, stored]) {
    if (candidate && (LANGS as string[]).includes(candidate)) return candidate as Lang;
  }
  return 'fr';
}

export type { MessageKey };
