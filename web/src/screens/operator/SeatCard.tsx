/** The seat: its state (wrap-up countdown, pause reason), log in/out, pause with a reason, resume. */
import { Badge, Button, Group, NativeSelect, Paper, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useRoom, useUi } from '../../app/context';
import { useNow } from '../../app/useNow';
import { labelOf } from '../../i18n/i18n';
import { wrapUpLeft, type OperatorState } from '../../store/operator';
import { message, type OperatorController } from './controller';

const COLORS: Record<string, string> = {
  logged_out: 'gray',
  available: 'ok',
  ringing: 'amber',
  in_call: 'blue',
  wrap_up: 'grape',
  paused: 'danger',
};

export function SeatCard({ controller, state, onError }: { controller: OperatorController; state: OperatorState; onError: (m: string) => void }) {
  const { t } = useUi();
  const { config } = useRoom();
  const now = useNow();
  const [reason, setReason] = useState(config.pause_reasons[0] ?? '');
  const [busy, setBusy] = useState(false);
  const seat = state.seat;
  const left = wrapUpLeft(state, Math.max(now, Date.now())); // useNow re-renders; read the clock itself
  const paused = seat !== null && (seat.state === 'paused' || seat.paused_reason !== null);

  const act = async (action: 'login' | 'logout' | 'pause' | 'unpause') => {
    setBusy(true);
    try {
      await controller.seatAction(action, reason);
    } catch (error) {
      onError(message(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="seat-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="seat-title">
          {seat?.name ?? t('seat.title')}
        </Title>
        {seat ? (
          <Badge color={COLORS[seat.state] ?? 'gray'} size="lg" variant="filled" data-testid="seat-state" data-state={seat.state}>
            {t(`seat.state.${seat.state}`)}
          </Badge>
        ) : null}
      </Group>
      {paused && seat?.paused_reason ? (
        <Text mb="sm">{t('seat.pausedFor', { reason: labelOf(t, 'pause', seat.paused_reason) })}</Text>
      ) : null}
      {left !== null ? (
        <Text mb="sm" role="timer" aria-live="off" fw={600} data-testid="wrap-up">
          {t('seat.wrapup', { seconds: left })}
        </Text>
      ) : null}
      {seat === null ? null : seat.state === 'logged_out' ? (
        <Button onClick={() => act('login')} loading={busy}>
          {t('seat.login')}
        </Button>
      ) : (
        <Group align="flex-end" gap="sm">
          {paused ? (
            <Button onClick={() => act('unpause')} loading={busy} color="ok">
              {t('seat.unpause')}
            </Button>
          ) : (
            <>
              <NativeSelect
                label={t('seat.pauseReason')}
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                data={config.pause_reasons.map((r) => ({ value: r, label: labelOf(t, 'pause', r) }))}
              />
              <Button onClick={() => act('pause')} loading={busy} variant="outline">
                {t('seat.pause')}
              </Button>
            </>
          )}
          <Button onClick={() => act('logout')} loading={busy} variant="subtle" color="dark">
            {t('seat.logout')}
          </Button>
        </Group>
      )}
    </Paper>
  );
}
