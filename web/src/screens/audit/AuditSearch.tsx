/** Search calls by number, time range (room time), seat, outcome and incident type; 25 a page,
 * newest first; the filter is the URL. Export the filter's calls as CSV or JSONL. */
import { Alert, Button, Group, NativeSelect, TextInput } from '@mantine/core';
import { useEffect, useState, type FormEvent } from 'react';
import type { CallOut } from '../../api/types';
import { useRoom, useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { labelOf } from '../../i18n/i18n';
import { download } from './download';
import { exportQuery, filterFromSearch, filterToSearch, PAGE_SIZE, searchQuery, type AuditFilter } from './filter';
import { dateTime } from './time';

const OUTCOMES = ['answered', 'abandoned', 'overflowed', 'transferred', 'handed_off', 'lost'];

export function AuditSearch({ search, go }: { search: string; go: (url: string) => void }) {
  const { api, config, session } = useRoom();
  const { t, locale } = useUi();
  const applied = filterFromSearch(search);
  const [form, setForm] = useState<AuditFilter>(applied);
  const [rows, setRows] = useState<CallOut[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const query = searchQuery(applied, config.time_zone);

  useEffect(() => {
    setForm(filterFromSearch(search));
    let live = true;
    setRows(null);
    api
      .get<CallOut[]>(`/calls?${query}`)
      .then((r) => live && (setRows(r), setError(null)))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [api, query, search]);

  const keep = new URLSearchParams(search);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go(`/audit${filterToSearch({ ...form, before: '' }, keep)}`);
  };
  const field = (k: keyof AuditFilter) => ({ value: form[k], onChange: (e: { currentTarget: { value: string } }) => setForm({ ...form, [k]: e.currentTarget.value }) });
  const page = rows?.slice(0, PAGE_SIZE) ?? [];
  const more = (rows?.length ?? 0) > PAGE_SIZE;
  const last = page.at(-1)?.rang_at;
  const exportAs = (format: 'csv' | 'jsonl') =>
    download(`/audit/export?${exportQuery(applied, config.time_zone, format)}`, session.token, `calls.${format}`).catch((e: unknown) => setError(String(e)));

  return (
    <div className="cc-audit">
      <form className="cc-audit-filter cc-no-print" onSubmit={submit} aria-labelledby="audit-search-title" data-testid="audit-filter">
        <h2 id="audit-search-title" className="cc-panel-title">
          {t('audit.search.title')}
        </h2>
        <div className="cc-filter-grid">
          <TextInput label={t('audit.filter.number')} {...field('number')} data-testid="filter-number" />
          <TextInput type="datetime-local" label={t('audit.filter.since')} {...field('since')} data-testid="filter-since" />
          <TextInput type="datetime-local" label={t('audit.filter.until')} {...field('until')} data-testid="filter-until" />
          <TextInput label={t('audit.filter.seat')} placeholder="Seat 03" {...field('seat')} data-testid="filter-seat" />
          <NativeSelect label={t('audit.filter.outcome')} {...field('outcome')} data={[{ value: '', label: t('audit.filter.any') }, ...OUTCOMES.map((o) => ({ value: o, label: t(`outcome.${o}` as 'outcome.answered') }))]} data-testid="filter-outcome" />
          <NativeSelect label={t('audit.filter.incident')} {...field('incident_type')} data={[{ value: '', label: t('audit.filter.any') }, ...config.incident_types.map((i) => ({ value: i, label: labelOf(t, 'incident', i) }))]} data-testid="filter-incident" />
        </div>
        <Group mt="sm">
          <Button type="submit" data-testid="filter-submit">
            {t('audit.filter.search')}
          </Button>
          <Button variant="default" onClick={() => void exportAs('csv')} data-testid="export-csv">
            {t('audit.export', { format: 'CSV' })}
          </Button>
          <Button variant="default" onClick={() => void exportAs('jsonl')} data-testid="export-jsonl">
            {t('audit.export', { format: 'JSONL' })}
          </Button>
        </Group>
      </form>
      {error ? (
        <Alert color="danger" role="alert">
          {t('error.generic', { detail: error })}
        </Alert>
      ) : null}
      <section className="cc-panel" aria-labelledby="audit-results-title" aria-busy={rows === null}>
        <h2 id="audit-results-title" className="cc-panel-title">
          {rows === null ? t('audit.loading') : t('audit.results', { count: page.length })}
        </h2>
        {page.length > 0 ? (
          <table className="cc-table" data-testid="audit-results">
            <thead>
              <tr>
                <th scope="col">{t('audit.col.rang')}</th>
                <th scope="col">{t('call.caller')}</th>
                <th scope="col">{t('audit.col.seat')}</th>
                <th scope="col">{t('calls.outcome')}</th>
                <th scope="col">{t('calls.incident')}</th>
                <th scope="col">{t('audit.col.call')}</th>
              </tr>
            </thead>
            <tbody>
              {page.map((c) => (
                <tr key={c.id} data-testid={`result-${c.id}`} data-outcome={c.outcome ?? ''}>
                  <td className="cc-ltr">{dateTime(c.rang_at, config.time_zone, locale)}</td>
                  <td>
                    <span className="cc-ltr">{formatNumber(c.caller_e164, c.caller_raw) ?? t('call.withheld')}</span>
                  </td>
                  <td>{c.seat ?? '—'}</td>
                  <td>{c.outcome ? t(`outcome.${c.outcome}` as 'outcome.answered') : t('outcome.none')}</td>
                  <td>{labelOf(t, 'incident', c.incident_type) || '—'}</td>
                  <td>
                    <a
                      href={`/audit/calls/${encodeURIComponent(c.id)}${keepLang(keep)}`}
                      onClick={(e) => {
                        e.preventDefault();
                        go(`/audit/calls/${encodeURIComponent(c.id)}${keepLang(keep)}`);
                      }}
                      className="cc-link cc-ltr"
                    >
                      {c.id}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : rows !== null ? (
          <p className="cc-dim">{t('audit.none')}</p>
        ) : null}
        <Group mt="sm" className="cc-no-print">
          {applied.before ? (
            <Button variant="default" onClick={() => go(`/audit${filterToSearch({ ...applied, before: '' }, keep)}`)}>
              {t('audit.firstPage')}
            </Button>
          ) : null}
          {more && last ? (
            <Button variant="default" onClick={() => go(`/audit${filterToSearch({ ...applied, before: last }, keep)}`)} data-testid="next-page">
              {t('audit.nextPage')}
            </Button>
          ) : null}
        </Group>
      </section>
    </div>
  );
}

export function keepLang(q: URLSearchParams): string {
  const lang = q.get('lang');
  return lang ? `?lang=${encodeURIComponent(lang)}` : '';
}
