/**
 * One call for the auditor: its record, its timeline as a list and on a time axis, a replay at
 * 1×/4×/16× (state, seat, queue position, what the operator typed at each moment; PBX and
 * arrival times where they differ), the linked calls one click away, who read this call and
 * when, and a print view (the browser's "print to PDF" makes the case file).
 */
import { Alert, Button, Group, SegmentedControl } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AccessEntry, FullStep, LinkedCall } from '../../api/supervision';
import type { CallOut } from '../../api/types';
import { useRoom, useUi } from '../../app/context';
import { entryReasonText, readReasonCodes } from '../../format/entryReasons';
import { formatNumber } from '../../format/phone';
import { labelOf } from '../../i18n/i18n';
import { keepLang } from './AuditSearch';
import { clockGap, momentAt, offsets, SPEEDS, type Speed } from './replay';
import { dateTime } from './time';

interface Loaded {
  call: CallOut;
  steps: FullStep[];
  linked: LinkedCall[];
  access: AccessEntry[];
}

/** The access log's answer as a list, whether it is a list or a page of one. */
function entries(data: unknown): AccessEntry[] {
  if (Array.isArray(data)) return data as AccessEntry[];
  const page = data as { items?: AccessEntry[]; entries?: AccessEntry[] } | null;
  return page?.items ?? page?.entries ?? [];
}

export function CallPage({ callId, go }: { callId: string; go: (url: string) => void }) {
  const { api, config, session } = useRoom();
  const { t, locale } = useUi();
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [elapsed, setElapsed] = useState<number | null>(null); // replay position (ms); null: not replaying
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState<Speed>(4);
  const keep = keepLang(new URLSearchParams(location.search));
  const id = encodeURIComponent(callId);

  useEffect(() => {
    let live = true;
    (async () => {
      const call = await api.get<CallOut>(`/calls/${id}`);
      const timeline = await api.get<{ steps: FullStep[] }>(`/audit/calls/${id}/timeline`);
      const [linked, access] = await Promise.all([
        api.get<LinkedCall[]>(`/audit/calls/${id}/linked`),
        api.get<unknown>(`/audit/access-log?call_id=${id}&limit=200`), // newest first
      ]);
      if (live) setData({ call, steps: timeline.steps, linked, access: entries(access).filter((a) => a.call_id === callId) });
    })().catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [api, id, callId]);

  const steps = data?.steps ?? [];
  const at = useMemo(() => offsets(steps), [steps]);
  const total = at.at(-1) ?? 0;
  const moment = momentAt(steps, elapsed ?? total);

  // The replay clock: advances `elapsed` by real time × speed until the last step.
  const last = useRef<number | null>(null);
  useEffect(() => {
    if (!playing) return;
    last.current = performance.now();
    const timer = setInterval(() => {
      const nowMs = performance.now();
      const dt = (nowMs - (last.current ?? nowMs)) * speed;
      last.current = nowMs;
      setElapsed((e) => {
        const next = Math.min(total, (e ?? 0) + dt);
        if (next >= total) setPlaying(false);
        return next;
      });
    }, 50);
    return () => clearInterval(timer);
  }, [playing, speed, total]);

  const time = (iso: string | null | undefined) => dateTime(iso, config.time_zone, locale, true);
  if (error) {
    return (
      <Alert color="danger" role="alert">
        {t('error.generic', { detail: error })}
      </Alert>
    );
  }
  if (!data) return <p aria-busy="true">{t('audit.loading')}</p>;
  const { call } = data;
  const replaying = elapsed !== null;

  return (
    <article className="cc-audit cc-call-page" aria-labelledby="call-title" data-testid="call-page">
      <Group justify="space-between" className="cc-no-print">
        <Button variant="subtle" onClick={() => (history.length > 1 ? history.back() : go(`/audit${keep}`))}>
          {t('audit.back')}
        </Button>
        <Button variant="default" onClick={() => window.print()} data-testid="print">
          {t('audit.print')}
        </Button>
      </Group>
      <p className="cc-print-only">{t('audit.printedBy', { user: session.username, at: dateTime(new Date().toISOString(), config.time_zone, locale) })}</p>
      <h2 id="call-title" className="cc-call-title">
        {t('audit.call.title')} <span className="cc-ltr">{call.id}</span>
      </h2>
      <dl className="cc-dl cc-call-facts">
        <dt>{t('call.caller')}</dt>
        <dd>
          <span className="cc-ltr">{formatNumber(call.caller_e164, call.caller_raw) ?? t('call.withheld')}</span>
        </dd>
        <dt>{t('audit.col.rang')}</dt>
        <dd>
          <span className="cc-ltr">{time(call.rang_at)}</span>
        </dd>
        <dt>{t('audit.col.seat')}</dt>
        <dd>{call.seat ?? '—'}</dd>
        <dt>{t('calls.outcome')}</dt>
        <dd>{call.outcome ? t(`outcome.${call.outcome}` as 'outcome.answered') : t('outcome.none')}</dd>
        <dt>{t('calls.incident')}</dt>
        <dd>
          {labelOf(t, 'incident', call.incident_type) || '—'} {call.priority ?? ''}
        </dd>
        {call.incident_id ? (
          <>
            <dt>{t('audit.incident.title')}</dt>
            <dd>
              <a
                href={`/audit/incident/${encodeURIComponent(call.incident_id)}${keep}`}
                className="cc-link"
                data-testid="incident-link"
                onClick={(e) => {
                  e.preventDefault();
                  go(`/audit/incident/${encodeURIComponent(call.incident_id!)}${keep}`);
                }}
              >
                <span className="cc-ltr">{call.incident_id}</span> · {t('audit.incident.link')}
              </a>
            </dd>
          </>
        ) : null}
        <dt>{t('calls.unit')}</dt>
        <dd>
          <span className="cc-ltr">{call.dispatch_unit ?? '—'}</span>
        </dd>
      </dl>

      <section className="cc-panel cc-replay" aria-labelledby="replay-title">
        <h3 id="replay-title" className="cc-panel-title">
          {t('audit.replay.title')}
        </h3>
        <Group className="cc-no-print" gap="sm">
          <Button
            onClick={() => {
              if (!playing && (elapsed === null || elapsed >= total)) setElapsed(0);
              setPlaying(!playing);
            }}
            data-testid="replay-play"
          >
            {playing ? t('audit.replay.pause') : t('audit.replay.play')}
          </Button>
          <SegmentedControl aria-label={t('audit.replay.speed')} value={String(speed)} onChange={(v) => setSpeed(Number(v) as Speed)} data={SPEEDS.map((s) => ({ value: String(s), label: `${s}×` }))} data-testid="replay-speed" />
          <input
            type="range"
            min={0}
            max={Math.max(1, total)}
            step={100}
            value={elapsed ?? total}
            onChange={(e) => {
              setPlaying(false);
              setElapsed(Number(e.currentTarget.value));
            }}
            aria-label={t('audit.replay.position')}
            aria-valuetext={t('audit.replay.at', { seconds: Math.round((elapsed ?? total) / 1000) })}
            className="cc-scrub"
            dir="ltr"
          />
          <span className="cc-ltr" data-testid="replay-clock">
            +{((elapsed ?? total) / 1000).toFixed(1)} s
          </span>
        </Group>
        <dl className="cc-dl cc-moment" data-testid="replay-moment" data-index={moment.index} aria-live={replaying ? 'polite' : 'off'}>
          <dt>{t('call.state')}</dt>
          <dd data-testid="moment-state">{moment.state ? t(`call.state.${moment.state}` as 'call.state.queued') : '—'}</dd>
          <dt>{t('audit.col.seat')}</dt>
          <dd data-testid="moment-seat">{moment.seat ?? '—'}</dd>
          <dt>{t('audit.replay.position')}</dt>
          <dd data-testid="moment-position">{moment.position ?? '—'}</dd>
          <dt>{t('call.priority')}</dt>
          <dd>{moment.priority ?? '—'}</dd>
          <dt>{t('audit.replay.typed')}</dt>
          <dd data-testid="moment-typed">
            {moment.typed ? (
              <span>
                {labelOf(t, 'incident', moment.typed.incident_type as string)} · {String(moment.typed.priority ?? '')} · {String(moment.typed.address ?? '')}
                {moment.typed.notes ? ` · ${String(moment.typed.notes)}` : ''}
              </span>
            ) : (
              '—'
            )}
          </dd>
        </dl>
        <div className="cc-axis" dir="ltr" aria-hidden="true" data-testid="time-axis">
          {steps.map((s, i) => (
            <span key={s.seq} className="cc-axis-mark" data-done={i <= moment.index} style={{ insetInlineStart: `${total ? (100 * at[i]!) / total : 0}%` }} title={`${s.seq}. ${s.kind}`} />
          ))}
          {replaying ? <span className="cc-axis-cursor" style={{ insetInlineStart: `${total ? (100 * (elapsed ?? 0)) / total : 0}%` }} /> : null}
        </div>
      </section>

      <section className="cc-panel" aria-labelledby="timeline-title">
        <h3 id="timeline-title" className="cc-panel-title">
          {t('audit.timeline.title', { count: steps.length })}
        </h3>
        <ol className="cc-timeline" data-testid="timeline">
          {steps.map((s, i) => {
            const gap = clockGap(s);
            return (
              <li key={s.seq} data-kind={s.kind} data-current={i === moment.index && replaying} aria-current={i === moment.index && replaying ? 'step' : undefined} data-testid={`step-${s.seq}`}>
                <span className="cc-step-time cc-ltr">+{(at[i]! / 1000).toFixed(1)} s · {time(s.at)}</span>
                <strong>{labelOf(t, 'step', s.kind)}</strong>
                <span className="cc-dim">{stepDetail(s, t)}</span>
                {gap !== null ? (
                  <span className="cc-clock-gap" data-testid={`gap-${s.seq}`}>
                    {t('audit.timeline.clocks', { pbx: time(s.pbx_at), arrival: time(s.received_at), gap: (gap / 1000).toFixed(1) })}
                  </span>
                ) : null}
                {s.clock === 'pbx-log' ? (
                  <span className="cc-dim" data-testid={`pbx-log-${s.seq}`}>{t('audit.timeline.fromPbxLog')}</span>
                ) : s.inferred ? (
                  <span className="cc-dim">{t('audit.timeline.inferred')}</span>
                ) : null}
              </li>
            );
          })}
        </ol>
      </section>

      <section className="cc-panel" aria-labelledby="linked-title">
        <h3 id="linked-title" className="cc-panel-title">
          {t('audit.linked.title', { count: data.linked.length })}
        </h3>
        {data.linked.length === 0 ? <p className="cc-dim">{t('audit.linked.none')}</p> : null}
        <ul className="cc-linked" data-testid="linked">
          {data.linked.map((l) => (
            <li key={l.id}>
              <a
                href={`/audit/calls/${encodeURIComponent(l.id)}${keep}`}
                onClick={(e) => {
                  e.preventDefault();
                  go(`/audit/calls/${encodeURIComponent(l.id)}${keep}`);
                }}
                className="cc-link cc-ltr"
              >
                {l.id}
              </a>{' '}
              · {t(`audit.link.${l.link}`)} · <span className="cc-ltr">{time(l.rang_at)}</span> · {l.outcome ? t(`outcome.${l.outcome}` as 'outcome.answered') : t('outcome.none')}
            </li>
          ))}
        </ul>
      </section>

      <section className="cc-panel" aria-labelledby="access-title">
        <h3 id="access-title" className="cc-panel-title">
          {t('audit.access.title')}
        </h3>
        <table className="cc-table" data-testid="access-log">
          <thead>
            <tr>
              <th scope="col">{t('calls.time')}</th>
              <th scope="col">{t('audit.access.user')}</th>
              <th scope="col">{t('audit.access.action')}</th>
            </tr>
          </thead>
          <tbody>
            {data.access.map((a) => (
              <tr key={a.id}>
                <td className="cc-ltr">{time(a.at)}</td>
                <td>
                  {a.username} ({a.role})
                </td>
                <td>{a.action}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </article>
  );
}

/** Steps that carry the FastAGI's decision: their reason is shown in the reader's language. */
const ENTRY_DECISIONS = new Set(['entry_decision', 'overflow_round']);

export function stepDetail(step: FullStep, t: ReturnType<typeof useUi>['t']): string {
  const p = step.payload;
  const parts: string[] = [];
  if (typeof p.seat === 'string' && p.seat) parts.push(p.seat);
  if (typeof p.position === 'number') parts.push(t('audit.timeline.position', { position: p.position }));
  if (typeof p.hold_seconds === 'number') parts.push(t('audit.timeline.hold', { seconds: p.hold_seconds }));
  if (typeof p.by === 'string' && p.by) parts.push(t('audit.timeline.by', { by: p.by }));
  let saysPriority = false; // a FastAGI decision's reason ends with its priority: not twice
  if (ENTRY_DECISIONS.has(step.kind)) {
    const reason = entryReasonText(readReasonCodes(p.reason_codes), typeof p.reason === 'string' ? p.reason : null, t);
    if (reason) parts.push(reason);
    saysPriority = Boolean(reason);
  } else if (typeof p.reason === 'string' && p.reason) parts.push(labelOf(t, 'audit.reason', p.reason));
  if (!saysPriority && (typeof p.priority === 'number' || typeof p.priority === 'string')) parts.push(`${t('call.priority')} ${String(p.priority)}`);
  if (typeof p.unit === 'string') parts.push(p.unit);
  if (typeof p.ticket_id === 'string') parts.push(p.ticket_id);
  if (step.kind === 'attached' && typeof p.incident_id === 'string') parts.push(p.incident_id);
  if (typeof p.reporter_call_id === 'string') parts.push(p.reporter_call_id);
  if (typeof p.callers === 'number') parts.push(t('dispatch.callersCount', { count: p.callers }));
  return parts.join(' · ');
}
