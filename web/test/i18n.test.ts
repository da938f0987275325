import { describe, expect, it } from 'vitest';
import { CATALOGUES, direction, initialLang, labelOf, LANGS, translator } from '../src/i18n/i18n';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogues', () => {
  const reference = Object.keys(CATALOGUES.fr).sort();
  it.each(LANGS)('%s has every key and no other', (lang) => {
    const keys = Object.keys(CATALOGUES[lang]).sort();
    expect(reference.filter((k) => !keys.includes(k)), `missing in ${lang}`).toEqual([]);
    expect(keys.filter((k) => !reference.includes(k)), `unknown in ${lang}`).toEqual([]);
  });
  it.each(LANGS)('%s: every text is non-empty with the same placeholders as French', (lang) => {
    for (const key of reference) {
      const text = (CATALOGUES[lang] as Record<string, string>)[key]!;
      expect(text.trim(), `${lang} ${key}`).not.toBe('');
      expect(placeholders(text), `${lang} ${key}`).toEqual(placeholders((CATALOGUES.fr as Record<string, string>)[key]!));
    }
  });
  it('Arabic is written right to left, the others left to right', () => {
    expect(LANGS.map(direction)).toEqual(['ltr', 'rtl', 'ltr']);
  });
});

describe('translator', () => {
  it('fills placeholders and labels codes, unknown codes as themselves', () => {
    const t = translator('en');
    expect(t('ticket.acknowledged', { unit: 'CAR-01' })).toBe('Acknowledged by CAR-01');
    expect(labelOf(t, 'incident', 'fire')).toBe('Fire');
    expect(labelOf(t, 'incident', 'kidnapping')).toBe('kidnapping');
  });
  it('French by default; ?lang= wins over the stored choice; junk is ignored', () => {
    expect(initialLang(null, null)).toBe('fr');
    expect(initialLang('en', 'ar')).toBe('ar');
    expect(initialLang('xx', null)).toBe('fr');
  });
});
