/** The alerts panel: escalated tickets, seats ringing without answer, links down, AGI degraded,
 * the burn-rate forecast; critical ones first. New ones are announced (aria-live). */
import type { RoomAlert } from '../../api/supervision';
import { memo } from 'react';
import { useUi } from '../../app/context';
import { labelOf, type MessageKey } from '../../i18n/i18n';
import { duration, since } from './format';

function text(t: ReturnType<typeof useUi>['t'], alert: RoomAlert): string {
  const d = alert.detail;
  switch (alert.kind) {
    case 'dispatch_escalated':
      return t('alert.dispatch_escalated', { ticket: String(d.ticket_id ?? ''), incident: labelOf(t, 'incident', d.incident_type as string | null) || '—', priority: String(d.priority ?? '—') });
    case 'seat_ringing':
      return t('alert.seat_ringing', { seat: alert.seat ?? '', seconds: Number(d.seconds ?? 0) });
    case 'burn_rate':
      return d.status === 'breached' ? t('alert.burn_breached', { measured: String(d.measured ?? '—') }) : t('alert.burn_at_risk', { seconds: Math.round(Number(d.breach_in_seconds ?? 0)) });
    case 'agi_degraded':
      return t('alert.agi_degraded', { count: Number(d.entries ?? 0) });
    case 'ami_down':
    case 'redis_down':
      return t(`alert.${alert.kind}` as MessageKey);
    default:
      return alert.kind;
  }
}

export const AlertsPanel = memo(function AlertsPanel({ alerts, now }: { alerts: RoomAlert[]; now: number }) {
  const { t } = useUi();
  return (
    <section className="cc-panel cc-area-alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title" className="cc-panel-title">
        {t('wall.alerts.title', { count: alerts.length })}
      </h2>
      <ul className="cc-alerts" aria-live="polite" data-testid="alerts">
        {alerts.length === 0 ? <li className="cc-dim">{t('wall.alerts.none')}</li> : null}
        {alerts.map((alert) => (
          <li key={alert.key} className="cc-alert" data-severity={alert.severity} data-kind={alert.kind} data-testid={`alert-${alert.kind}`}>
            <span className="cc-alert-badge">{t(`severity.${alert.severity}`)}</span>
            <span>{text(t, alert)}</span>
            {alert.since ? <span className="cc-ltr cc-dim">{duration(since(alert.since, now))}</span> : null}
          </li>
        ))}
      </ul>
    </section>
  );
});
