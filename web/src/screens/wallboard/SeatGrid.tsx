/** The seat grid: each seat's state and time in it, the operator, the current call's age and
 * incident type; the supervisor may force a pause (with a reason) or log a seat out. */
import { Button, Group, Modal, NativeSelect, Stack, Text } from '@mantine/core';
import { memo, useState } from 'react';
import type { BoardSeat } from '../../api/supervision';
import { useRoom, useUi } from '../../app/context';
import { labelOf } from '../../i18n/i18n';
import { duration, since } from './format';

export interface SeatActions {
  pause: (seat: string, reason: string) => Promise<void>;
  logout: (seat: string) => Promise<void>;
}

export const SeatGrid = memo(function SeatGrid({ seats, now, wall, actions, onError }: { seats: BoardSeat[]; now: number; wall: boolean; actions: SeatActions; onError: (m: string) => void }) {
  const { t } = useUi();
  const { config } = useRoom();
  const [target, setTarget] = useState<{ seat: string; what: 'pause' | 'logout' } | null>(null);
  const [reason, setReason] = useState(config.pause_reasons[0] ?? '');
  const [busy, setBusy] = useState(false);

  const confirm = async () => {
    if (!target) return;
    setBusy(true);
    try {
      if (target.what === 'pause') await actions.pause(target.seat, reason);
      else await actions.logout(target.seat);
      setTarget(null);
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="cc-panel cc-area-seats" aria-labelledby="seats-title">
      <h2 id="seats-title" className="cc-panel-title">
        {t('wall.seats.title')}
      </h2>
      <ul className="cc-seat-grid" data-testid="seat-grid">
        {seats.map((seat) => {
          const inState = since(seat.since, now);
          const callAge = since(seat.call?.rang_at, now);
          return (
            <li key={seat.name} className="cc-seat" data-state={seat.state} data-paused={seat.paused_reason !== null} data-testid={`seat-${seat.name}`}>
              <div className="cc-seat-head">
                <strong>{seat.name}</strong>
                <span className="cc-seat-state">{t(`seat.state.${seat.state}` as 'seat.state.available')}</span>
              </div>
              <div className="cc-seat-line">
                <span className="cc-ltr">{duration(inState)}</span>
                <span>{seat.operator ?? t('wall.seats.noOperator')}</span>
              </div>
              {seat.state === 'paused' && seat.paused_reason ? <div className="cc-seat-line">{labelOf(t, 'pause', seat.paused_reason)}</div> : null}
              {seat.state !== 'paused' && seat.paused_reason !== null ? (
                // Asterisk pauses a member at once but lets its call go on: paused after it.
                <div className="cc-seat-line cc-seat-pending">{t('wall.seats.pauseAfterCall', { reason: labelOf(t, 'pause', seat.paused_reason) || '—' })}</div>
              ) : null}
              {seat.call ? (
                <div className="cc-seat-line" data-testid={`seat-${seat.name}-call`}>
                  <span>{t('wall.seats.call', { age: duration(callAge) })}</span>
                  <span>{labelOf(t, 'incident', seat.call.incident_type) || '—'}</span>
                </div>
              ) : null}
              {wall || seat.state === 'logged_out' ? null : (
                <Group gap={4} mt={4} className="cc-seat-actions">
                  {seat.paused_reason === null ? (
                    <Button size="compact-xs" variant="default" onClick={() => setTarget({ seat: seat.name, what: 'pause' })} aria-label={t('wall.seats.pauseSeat', { seat: seat.name })}>
                      {t('seat.pause')}
                    </Button>
                  ) : null}
                  <Button size="compact-xs" variant="default" onClick={() => setTarget({ seat: seat.name, what: 'logout' })} aria-label={t('wall.seats.logoutSeat', { seat: seat.name })}>
                    {t('seat.logout')}
                  </Button>
                </Group>
              )}
            </li>
          );
        })}
      </ul>
      <Modal opened={target !== null} onClose={() => setTarget(null)} title={target ? t(target.what === 'pause' ? 'wall.seats.pauseSeat' : 'wall.seats.logoutSeat', { seat: target.seat }) : ''}>
        <Stack>
          {target?.what === 'pause' ? (
            <NativeSelect
              label={t('seat.pauseReason')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              data={config.pause_reasons.map((r) => ({ value: r, label: labelOf(t, 'pause', r) }))}
              data-autofocus
              data-testid="force-pause-reason"
            />
          ) : (
            <Text>{t('wall.seats.logoutConfirm', { seat: target?.seat ?? '' })}</Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setTarget(null)}>
              {t('wall.cancel')}
            </Button>
            <Button color={target?.what === 'logout' ? 'danger' : 'blue'} onClick={() => void confirm()} loading={busy} data-testid="seat-action-confirm">
              {t('wall.confirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </section>
  );
});
