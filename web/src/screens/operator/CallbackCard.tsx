/**
 * The call-back offered to the operator's free seat: "Call back 06 12 34 56 78, waited 2 min,
 * 3 calls in 24 h", a button (and Alt+R) that rings the seat's phone and dials the number, the
 * buttons to say what was heard, and the last call-back's result. Nothing shows while the seat
 * has no call-back (busy, or callers waiting beyond the answer target).
 */
import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { OPERATOR_RESULTS, type CallbackTask } from '../../api/callbacks';
import { useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { labelOf, type Translate } from '../../i18n/i18n';
import { useStore } from '../../store/store';
import type { CallbackController } from './callbackController';

/** A Moroccan number as dialled at home (06 12 34 56 78); others as formatNumber. */
export function dialledNumber(task: Pick<CallbackTask, 'number' | 'caller_raw'>): string {
  const n = task.number;
  if (n && /^\+212\d{9}$/.test(n)) {
    const d = `0${n.slice(4)}`;
    return `${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 6)} ${d.slice(6, 8)} ${d.slice(8, 10)}`;
  }
  return formatNumber(n, task.caller_raw) ?? task.caller_raw;
}

function waitedText(t: Translate, seconds: number): string {
  if (seconds < 60) return t('callback.waitedSeconds', { seconds });
  return t('callback.waited', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
}

/** A number kept left to right inside an Arabic sentence (Unicode left-to-right isolate:
 * digits and spaces alone have no direction of their own, a first-strong isolate would not do). */
const isolated = (text: string) => `\u2066${text}\u2069`;

export function CallbackCard({ controller }: { controller: CallbackController }) {
  const { t } = useUi();
  const state = useStore(controller.store);
  const seat = useStore(controller.operator.store).seat;
  const [busy, setBusy] = useState(false);
  const task = state.task;
  const offered = task !== null && task.status === 'offered';

  const run = (fn: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    void fn().finally(() => setBusy(false));
  };

  useEffect(() => {
    if (!offered) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && e.key.toLowerCase() === 'r') {
        e.preventDefault();
        run(() => controller.callBack(task.call_id));
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  // the seat talks on a call it placed itself (the call-back): it may hang up from here
  const talking = seat?.state === 'in_call' && seat.call_id === null;
  if (task === null && state.last === null && !talking) return null;
  const number = task ? dialledNumber(task) : '';
  const waited = task?.waited_seconds ?? 0;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="callback-title" data-testid="callback-card">
      <Title order={2} size="h4" id="callback-title" mb="sm">
        {t('callback.title')}
      </Title>
      <Stack gap="sm" aria-live="polite">
        {task !== null ? (
          <>
            <Group gap="xs" wrap="wrap">
              <Text fw={700} size="lg" data-testid="callback-offer">
                {t('callback.offer', { number: isolated(number) })}
              </Text>
              <Badge color="amber" variant="light" data-testid="callback-reason">
                {t(`callback.reason.${task.reason}`)}
              </Badge>
            </Group>
            <Text size="sm" data-testid="callback-facts">
              {task.waited_seconds !== null ? `${waitedText(t, waited)} · ` : ''}
              {task.repeat_count > 0 ? t('callback.callsToday', { count: task.repeat_count + 1 }) : t('callback.callOnce')}
            </Text>
            {offered ? (
              <Group gap="sm">
                <Button onClick={() => run(() => controller.callBack(task.call_id))} loading={busy} aria-keyshortcuts="Alt+R" data-testid="callback-call">
                  {t('callback.call')} ({t('callback.callKey')})
                </Button>
                <Button variant="outline" onClick={() => run(() => controller.decline(task.call_id))} disabled={busy}>
                  {t('callback.decline')}
                </Button>
              </Group>
            ) : (
              <>
                <Text data-testid="callback-calling">{t('callback.calling', { number: isolated(number), attempt: task.attempts })}</Text>
                {seat?.state === 'ringing' && seat.call_id === null ? (
                  <Group gap="sm">
                    <Button color="ok" onClick={() => run(() => controller.pickUp())} disabled={busy} data-testid="callback-pickup">
                      {t('callback.pickUp')}
                    </Button>
                  </Group>
                ) : null}
                <Text size="sm" id="callback-heard">
                  {t('callback.heard')}
                </Text>
                <Group gap="xs" role="group" aria-labelledby="callback-heard">
                  {OPERATOR_RESULTS.map((result) => (
                    <Button key={result} variant="outline" size="sm" disabled={busy} onClick={() => run(() => controller.result(task.call_id, result))}>
                      {t(`callback.result.${result}`)}
                    </Button>
                  ))}
                </Group>
              </>
            )}
          </>
        ) : null}
        {talking ? (
          <Group gap="sm">
            <Button color="danger" variant="outline" onClick={() => run(() => controller.hangUp())} disabled={busy} data-testid="callback-hangup">
              {t('callback.hangUp')}
            </Button>
          </Group>
        ) : null}
        {state.last !== null ? (
          <Alert color={state.last.result === 'reached' ? 'ok' : 'amber'} data-testid="callback-last" data-result={state.last.result}>
            {t('callback.last', {
              number: isolated(state.last.number ? dialledNumber({ number: state.last.number, caller_raw: '' }) : ''),
              result: labelOf(t, 'callback.result', state.last.result),
            })}
          </Alert>
        ) : null}
      </Stack>
    </Paper>
  );
}
