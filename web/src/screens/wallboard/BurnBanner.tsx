/** The SLA burn-rate forecast in one sentence: ok, at risk (breach in N min), or breached. */
import type { Burn } from '../../api/supervision';
import { useUi } from '../../app/context';
import { burnMessage } from '../../store/wallboard';

export function BurnBanner({ burn }: { burn: Burn | null }) {
  const { t } = useUi();
  const message = burnMessage(burn);
  return (
    <div
      className="cc-burn"
      data-level={message.level}
      data-status={burn?.status ?? 'unknown'}
      data-testid="burn-rate"
      role={message.level === 'warn' || message.level === 'alarm' ? 'alert' : 'status'}
    >
      <strong>{t('burn.title')}</strong> <span>{t(message.key, message.params)}</span>
      {burn ? (
        <span className="cc-burn-model cc-dim">
          {' '}
          {t('burn.model', { arrivals: burn.arrivals_per_minute, service: burn.service_per_minute, wait: Math.round(burn.predicted_wait_seconds) })}
        </span>
      ) : null}
    </div>
  );
}
