/**
 * The supervisor's wallboard at /wallboard: tiles, the queue chart with the answer target,
 * the burn-rate forecast, alerts, the seat grid and the waiting callers. `?wall=1` is the
 * wall mode (1920×1080, large type, no buttons): it needs nothing from anyone and recovers by
 * itself after a network drop or a server restart (the live feed resumes or reloads).
 */
import { Alert, SegmentedControl } from '@mantine/core';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { WINDOW_NAMES, type WindowName } from '../../api/supervision';
import { useRoom, useUi } from '../../app/context';
import { useNow } from '../../app/useNow';
import { FeedBadge } from '../../components/FeedBadge';
import { formatTime } from '../../format/time';
import { alertsOf, longestWait, waitingList } from '../../store/wallboard';
import { useStore } from '../../store/store';
import { AlertsPanel } from './AlertsPanel';
import { BurnBanner } from './BurnBanner';
import { CallbacksPanel } from './CallbacksPanel';
import { WallboardController } from './controller';
import { QueueChart } from './QueueChart';
import { SeatGrid } from './SeatGrid';
import { Tiles } from './Tiles';
import { WaitingCalls } from './WaitingCalls';
import './wallboard.css';

export function isWallMode(search: string): boolean {
  return new URLSearchParams(search).get('wall') === '1';
}

export function Wallboard() {
  const room = useRoom();
  const { t, locale } = useUi();
  const now = useNow();
  const wall = isWallMode(location.search);
  const [controller] = useState(() => new WallboardController(room.api, () => room.session.token, room.expired));
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);
  useEffect(() => {
    document.body.classList.toggle('cc-wall', wall);
  }, [wall]);
  const state = useStore(controller.store);
  const rows = useMemo(() => waitingList(state), [state.order, state.waiting]); // eslint-disable-line react-hooks/exhaustive-deps
  const seats = useMemo(() => Object.values(state.seats).sort((a, b) => a.name.localeCompare(b.name)), [state.seats]);
  const stats = state.board?.windows[state.window] ?? null;
  const alerts = useMemo(() => alertsOf(state), [state.board, state.liveAlerts]); // eslint-disable-line react-hooks/exhaustive-deps
  const reprioritise = useCallback((id: string, p: number, r: string) => controller.reprioritise(id, p, r), [controller]);
  const windowLabel = t(`wall.window.${state.window}`);
  const problem = error ?? state.error;

  return (
    <div className="cc-wallboard" data-wall={wall} data-changed-at={state.changedAt ?? ''}>
      <div className="cc-wall-bar">
        <FeedBadge status={state.feed} />
        <span className="cc-ltr cc-clock">{formatTime(new Date(now).toISOString(), room.config.time_zone, locale)}</span>
        <SegmentedControl
          aria-label={t('wall.window.label')}
          value={state.window}
          onChange={(v) => controller.store.dispatch({ type: 'window', window: v as WindowName })}
          data={WINDOW_NAMES.map((w) => ({ value: w, label: t(`wall.window.${w}`) }))}
          size={wall ? 'lg' : 'sm'}
        />
        {wall ? null : (
          <a href={`/wallboard?wall=1${location.search.includes('lang=') ? `&${location.search.slice(1).split('&').find((p) => p.startsWith('lang=')) ?? ''}` : ''}`} className="cc-link">
            {t('wall.wallMode')}
          </a>
        )}
      </div>
      {problem ? (
        <Alert color="danger" role="alert" withCloseButton onClose={() => setError(null)}>
          {t('error.generic', { detail: problem })}
        </Alert>
      ) : null}
      <BurnBanner burn={state.board?.burn ?? null} />
      <Tiles stats={stats} config={state.config} waiting={rows.length} longest={longestWait(state, now)} windowLabel={windowLabel} />
      <div className="cc-wall-row">
        <section className="cc-panel cc-chart-panel cc-area-chart" aria-labelledby="chart-title">
          <h2 id="chart-title" className="cc-panel-title">
            {t('wall.chart.title')} · {t(state.window === '15m' ? 'wall.window.15m' : 'wall.window.1h')}
          </h2>
          <QueueChart
            history={state.history}
            spanMs={state.window === '15m' ? 15 * 60 * 1000 : 60 * 60 * 1000}
            targetSeconds={state.config?.target_seconds ?? room.config.sla_answer_seconds}
            targetPercent={state.config?.target_percent ?? 90}
            timeZone={room.config.time_zone}
            chartHeight={wall ? 230 : 260}
          />
        </section>
        <AlertsPanel alerts={alerts} now={now} />
      </div>
      <div className="cc-wall-row">
        <SeatGrid seats={seats} now={now} wall={wall} actions={controller} onError={setError} />
        <WaitingCalls rows={rows} now={now} wall={wall} moved={state.moved} onReprioritise={reprioritise} onError={setError} />
      </div>
      {wall ? null : <CallbacksPanel />}
    </div>
  );
}
