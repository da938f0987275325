/**
 * The call on the seat: it rings (visual, the tone, and an aria-live announcement) with the
 * caller's number for humans, line type, waiting time, the same number's recent calls, the
 * FastAGI decision; answer, hang up, transfer (back to the queue or to a seat).
 */
import { Alert, Badge, Button, Group, List, Paper, Text, TextInput, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useRoom, useUi } from '../../app/context';
import { useNow } from '../../app/useNow';
import { EntryReasonText } from '../../components/EntryReasonText';
import { callFacts } from '../../format/call';
import { entryReason } from '../../format/entryReasons';
import { formatNumber, lineType } from '../../format/phone';
import { formatTime, secondsSince } from '../../format/time';
import { labelOf } from '../../i18n/i18n';
import type { PhoneState } from '../../phone/phone';
import type { OperatorState } from '../../store/operator';
import { message, type OperatorController } from './controller';

interface Props {
  controller: OperatorController;
  state: OperatorState;
  phone: PhoneState;
  ringing: boolean;
  onError: (m: string) => void;
}

export function CallCard({ controller, state, phone, ringing, onError }: Props) {
  const { t, locale } = useUi();
  const { config } = useRoom();
  const now = useNow();
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const answerRef = useRef<HTMLButtonElement>(null);
  const call = state.call;

  useEffect(() => {
    // Ringing with nothing focused: put the focus on Answer (Enter or Space picks up).
    if (ringing && (document.activeElement === null || document.activeElement === document.body)) answerRef.current?.focus();
  }, [ringing, call?.call.id]);

  const run = (fn: () => Promise<void>) => async () => {
    setBusy(true);
    try {
      await fn();
    } catch (error) {
      onError(message(error));
    } finally {
      setBusy(false);
    }
  };

  const c = call?.call;
  const caller = c ? formatNumber(c.caller_e164, c.caller_raw) : null;
  const facts = call ? callFacts(call) : null;
  const reason = facts?.decision ? entryReason(facts.reasons, facts.decision.reason, t) : null;
  const waited = c ? (c.answered_at ? secondsSince(c.rang_at, new Date(c.answered_at).getTime()) : secondsSince(c.rang_at, now)) : 0;
  const hungUp = c?.line_ended === true; // the caller hung up before the hand-off
  const inCall = !hungUp && (phone.line === 'in_call' || state.seat?.state === 'in_call' || c?.state === 'answered' || c?.state === 'qualified');
  const announce = ringing ? t('call.announce', { caller: caller ?? t('call.withheld'), seconds: waited }) : '';

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="call-title" className={ringing ? 'cc-ringing' : undefined} data-testid="call-card" data-ringing={ringing}>
      <div aria-live="assertive" role="alert" className="cc-visually-hidden" data-testid="ring-announcement">
        {announce}
      </div>
      <Title order={2} size="h4" id="call-title" mb="sm">
        {ringing ? t('call.incoming') : t('call.title')}
      </Title>
      {c === undefined ? (
        <Text c="dimmed">{ringing ? '' : t('call.none')}</Text>
      ) : (
        <>
          <Group gap="sm" mb="sm" align="center">
            {caller ? (
              <span className="cc-number" data-testid="caller-number">
                {caller}
              </span>
            ) : (
              <Badge color="dark" size="lg" data-testid="caller-number">
                {t('call.withheld')}
              </Badge>
            )}
            {facts?.decision?.callback_after_abandon ? <Badge color="amber" variant="filled">{t('call.callbackAfterAbandon')}</Badge> : null}
          </Group>
          {hungUp ? (
            <Alert color="amber" role="status" mb="sm" data-testid="caller-hung-up">
              {t('call.hungUp')}
            </Alert>
          ) : null}
          <dl className="cc-dl">
            <dt>{t('call.lineType')}</dt>
            <dd>{t(`line.${caller ? lineType(c.caller_e164, facts?.numberKind) : 'unknown'}`)}</dd>
            <dt>{t('call.waited')}</dt>
            <dd data-testid="waited">{t('call.seconds', { seconds: waited })}</dd>
            <dt>{t('call.state')}</dt>
            <dd data-testid="call-state">{labelOf(t, 'call.state', c.state)}</dd>
            {facts?.decision ? (
              <>
                <dt>{t('call.decision')}</dt>
                <dd data-testid="decision">
                  <div>
                    {t('call.priority')} {String(facts.decision.priority ?? '–')}
                    {facts.decision.route === 'overflow' ? ` · ${t('call.route.overflow')}` : ''}
                  </div>
                  {reason ? (
                    <div data-testid="decision-reason" data-translated={reason.translated}>
                      {t('call.reason')} : <EntryReasonText reason={reason} />
                    </div>
                  ) : null}
                </dd>
              </>
            ) : null}
            <dt>{t('call.repeat')}</dt>
            <dd data-testid="repeat-calls">
              {facts && facts.recent.length > 0 ? (
                <List size="sm" spacing={2}>
                  {facts.recent.map((r) => (
                    <List.Item key={r.id}>
                      <span className="cc-ltr">{formatTime(r.rang_at, config.time_zone, locale)}</span> {labelOf(t, 'outcome', r.outcome ?? 'none')}
                      {r.incident_type ? ` · ${labelOf(t, 'incident', r.incident_type)}` : ''}
                    </List.Item>
                  ))}
                </List>
              ) : (
                t('call.repeatNone')
              )}
            </dd>
          </dl>
        </>
      )}
      <Group mt="md" gap="sm">
        {ringing ? (
          <Button ref={answerRef} color="ok" size="md" onClick={run(() => controller.phone!.answer())} loading={busy} data-testid="answer">
            {t('call.answer')}
          </Button>
        ) : null}
        {ringing || inCall ? (
          <Button color="danger" size="md" onClick={run(() => controller.phone!.hangup())} loading={busy} data-testid="hangup">
            {t('call.hangup')}
          </Button>
        ) : null}
      </Group>
      {inCall && c ? (
        <fieldset className="cc-transfer">
          <legend>{t('call.transfer')}</legend>
          <Group gap="sm" align="flex-end">
            <Button variant="outline" onClick={run(() => controller.transfer('requeue'))} disabled={busy}>
              {t('call.transferQueue')}
            </Button>
            <Group gap="xs" align="flex-end" wrap="nowrap">
              <TextInput label={t('call.transferTarget')} value={target} onChange={(e) => setTarget(e.currentTarget.value)} w={190} className="cc-ltr-input" />
              <Button variant="outline" onClick={run(() => controller.transfer(target.trim()))} disabled={busy || !/^seat\d{2}$/i.test(target.trim())}>
                {t('call.transferSeat')}
              </Button>
            </Group>
          </Group>
        </fieldset>
      ) : null}
    </Paper>
  );
}
