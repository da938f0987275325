/**
 * One incident for the auditor at /audit/incident/<id> (singular: /audit/incidents/<id> is the
 * API's JSON): how many callers reported it, its
 * dispatch ticket, and every call that reports it (oldest first) with its timeline, the
 * attachment steps included; each call one click from its own page (GET /audit/incidents/{id}).
 */
import { Alert, Button, Group } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { AuditIncident } from '../../api/incidents';
import { useRoom, useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { labelOf } from '../../i18n/i18n';
import { keepLang } from './AuditSearch';
import { stepDetail } from './CallPage';
import { dateTime } from './time';

export function incidentIdOf(path: string): string | null {
  const m = /^\/audit\/incident\/([^/]+)\/?$/.exec(path);
  return m ? decodeURIComponent(m[1]!) : null;
}

export function IncidentPage({ incidentId, go }: { incidentId: string; go: (url: string) => void }) {
  const { api, config } = useRoom();
  const { t, locale } = useUi();
  const [data, setData] = useState<AuditIncident | null>(null);
  const [error, setError] = useState<string | null>(null);
  const keep = keepLang(new URLSearchParams(location.search));

  useEffect(() => {
    let live = true;
    api
      .get<AuditIncident>(`/audit/incidents/${encodeURIComponent(incidentId)}`)
      .then((found) => live && setData(found))
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [api, incidentId]);

  const time = (iso: string | null | undefined) => dateTime(iso, config.time_zone, locale, true);
  if (error) {
    return (
      <Alert color="danger" role="alert">
        {t('error.generic', { detail: error })}
      </Alert>
    );
  }
  if (!data) return <p aria-busy="true">{t('audit.loading')}</p>;
  const opener = data.calls[0]?.call;

  return (
    <article className="cc-audit" aria-labelledby="incident-title" data-testid="incident-page">
      <Group justify="space-between" className="cc-no-print">
        <Button variant="subtle" onClick={() => (history.length > 1 ? history.back() : go(`/audit${keep}`))}>
          {t('audit.back')}
        </Button>
        <Button variant="default" onClick={() => window.print()}>
          {t('audit.print')}
        </Button>
      </Group>
      <h2 id="incident-title" className="cc-call-title">
        {t('audit.incident.title')} <span className="cc-ltr">{data.id}</span>
      </h2>
      <dl className="cc-dl cc-call-facts">
        <dt>{t('calls.incident')}</dt>
        <dd>
          {labelOf(t, 'incident', opener?.incident_type) || '—'} {data.priority ?? ''}
        </dd>
        <dt>{t('dispatch.callers')}</dt>
        <dd data-testid="incident-callers">{t('dispatch.callersCount', { count: data.callers })}</dd>
        <dt>{t('audit.incident.opened')}</dt>
        <dd>
          <span className="cc-ltr">{time(data.opened_at)}</span>
        </dd>
        <dt>{t('audit.incident.ticket')}</dt>
        <dd>
          <span className="cc-ltr">{data.ticket_id ?? '—'}</span> {data.ticket_state ? `(${data.ticket_state})` : ''}
        </dd>
      </dl>
      <h3 className="cc-panel-title">{t('audit.incident.calls', { count: data.calls.length })}</h3>
      {data.calls.map(({ call, steps }) => {
        const href = `/audit/calls/${encodeURIComponent(call.id)}${keep}`;
        return (
          <section key={call.id} className="cc-panel" aria-labelledby={`incident-call-${call.id}`} data-testid={`incident-call-${call.id}`}>
            <h4 id={`incident-call-${call.id}`} className="cc-panel-title">
              <a
                href={href}
                className="cc-link cc-ltr"
                onClick={(e) => {
                  e.preventDefault();
                  go(href);
                }}
              >
                {call.id}
              </a>{' '}
              · <span className="cc-ltr">{formatNumber(call.caller_e164, call.caller_raw) ?? t('call.withheld')}</span> ·{' '}
              <span className="cc-ltr">{time(call.rang_at)}</span> · {call.seat ?? '—'}
            </h4>
            <p>
              <bdi>{call.qualification?.address ?? '—'}</bdi>
              {call.qualification?.notes ? ` · ${call.qualification.notes}` : ''}
            </p>
            <ol className="cc-timeline">
              {steps.map((s) => (
                <li key={s.seq} data-kind={s.kind}>
                  <span className="cc-step-time cc-ltr">{time(s.at)}</span>
                  <strong>{labelOf(t, 'step', s.kind)}</strong>
                  <span className="cc-dim">{stepDetail(s, t)}</span>
                </li>
              ))}
            </ol>
          </section>
        );
      })}
    </article>
  );
}
