/**
 * The radio dispatcher's console at /dispatch: pending tickets most urgent first (escalated
 * ones highlighted), the selected ticket's incident, address, caller, notes and nearest units.
 * Keyboard: ↑/↓ select a ticket, 1–5 pick a unit, Enter sends it, Esc cancels.
 */
import { Alert, Badge, Button, Grid, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Ticket } from '../../api/types';
import { useRoom, useUi } from '../../app/context';
import { useNow } from '../../app/useNow';
import { FeedBadge } from '../../components/FeedBadge';
import { formatNumber } from '../../format/phone';
import { formatDistance, formatTime, secondsSince } from '../../format/time';
import { labelOf, type MessageKey } from '../../i18n/i18n';
import { candidatesOf, selectedTicket } from '../../store/dispatch';
import { callersText } from '../../store/incidents';
import { useStore } from '../../store/store';
import { DispatchController } from './controller';

function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName) || target.isContentEditable);
}

export function DispatchConsole() {
  const room = useRoom();
  const { t, locale } = useUi();
  const now = useNow();
  const [controller] = useState(() => new DispatchController(room.api, () => room.session.token, room.expired));
  useEffect(() => {
    controller.start();
    return () => controller.stop();
  }, [controller]);
  const state = useStore(controller.store);
  const selected = selectedTicket(state);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      const { dispatch } = controller.store;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        dispatch({ type: 'move', by: e.key === 'ArrowDown' ? 1 : -1 });
      } else if (/^[1-9]$/.test(e.key)) {
        dispatch({ type: 'pick', index: Number(e.key) - 1 });
      } else if (e.key === 'Enter' && controller.store.get().picked !== null) {
        void controller.confirm();
      } else if (e.key === 'Escape') {
        dispatch({ type: 'cancel' });
      } else {
        return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller]);

  const candidates = selected ? candidatesOf(state, selected) : [];
  const picked = state.picked !== null ? candidates[state.picked] : undefined;
  const time = (iso: string | null | undefined) => formatTime(iso, room.config.time_zone, locale);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <FeedBadge status={state.feed} />
        <Text size="sm" data-testid="dispatch-help">{t('dispatch.help')}</Text>
      </Group>
      {state.error ? (
        <Alert color="danger" role="alert">
          {t('error.generic', { detail: state.error })}
        </Alert>
      ) : null}
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" component="section" aria-labelledby="pending-title">
            <Title order={2} size="h4" id="pending-title" mb="sm">
              {t('dispatch.pending', { count: state.tickets.length })}
            </Title>
            {state.tickets.length === 0 ? (
              <Text c="dimmed">{t('dispatch.empty')}</Text>
            ) : (
              <Stack
                gap="xs"
                role="listbox"
                aria-label={t('dispatch.ticketList')}
                tabIndex={0}
                aria-activedescendant={selected ? `ticket-${selected.id}` : undefined}
                data-testid="tickets"
              >
                {state.tickets.map((ticket) => (
                  <TicketRow
                    key={ticket.id}
                    ticket={ticket}
                    selected={ticket.id === state.selected}
                    waited={secondsSince(ticket.created_at, now)}
                    onSelect={() => controller.store.dispatch({ type: 'select', id: ticket.id })}
                  />
                ))}
              </Stack>
            )}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            {selected ? (
              <Paper withBorder p="md" component="section" aria-labelledby="detail-title" data-testid="ticket-detail">
                <Group justify="space-between" mb="sm">
                  <Title order={2} size="h4" id="detail-title">
                    <span className="cc-ltr">{selected.id}</span> · {labelOf(t, 'incident', selected.qualification.incident_type)}
                  </Title>
                  <Group gap="xs">
                    <Badge color={selected.qualification.priority === 'P1' ? 'danger' : 'blue'} variant="filled" size="lg">
                      {selected.qualification.priority}
                    </Badge>
                    {selected.escalated ? <Badge color="danger" variant="filled" size="lg">{t('dispatch.escalated')}</Badge> : null}
                  </Group>
                </Group>
                <dl className="cc-dl">
                  <dt>{t('dispatch.address')}</dt>
                  <dd data-testid="detail-address">{selected.qualification.address}</dd>
                  <dt>{t('dispatch.caller')}</dt>
                  <dd><span className="cc-ltr">{formatNumber(selected.caller_e164 ?? selected.qualification.callback_e164, null) ?? t('call.withheld')}</span></dd>
                  {selected.seat ? (
                    <>
                      <dt>{t('dispatch.seat')}</dt>
                      <dd>{selected.seat}</dd>
                    </>
                  ) : null}
                  <dt>{t('dispatch.callers')}</dt>
                  <dd data-testid="detail-callers">{t(callersText(selected.callers ?? 1).key as MessageKey, callersText(selected.callers ?? 1).params)}</dd>
                  <dt>{t('dispatch.created')}</dt>
                  <dd><span className="cc-ltr">{time(selected.created_at)}</span></dd>
                  <dt>{t('dispatch.notes')}</dt>
                  <dd style={{ whiteSpace: 'pre-wrap' }}>{selected.qualification.notes || '—'}</dd>
                </dl>
                <Title order={3} size="h5" mt="md" mb="xs">
                  {t('dispatch.units')}
                </Title>
                {candidates.length === 0 ? (
                  <Text c="dimmed">{t('dispatch.noUnits')}</Text>
                ) : (
                  <Stack gap={6} role="list" data-testid="candidates">
                    {candidates.map((c, i) => (
                      <div role="listitem" key={c.unit}>
                        <button
                          type="button"
                          className="cc-candidate"
                          data-picked={state.picked === i}
                          aria-pressed={state.picked === i}
                          onClick={() => controller.store.dispatch({ type: 'pick', index: i })}
                          data-testid={`candidate-${c.unit}`}
                        >
                          <span className="cc-kbd" aria-hidden="true">{i + 1}</span>
                          <span>
                            <span className="cc-ltr">{c.unit}</span> · {labelOf(t, 'unit.kind', c.kind)}
                          </span>
                          <span className="cc-ltr">{formatDistance(c.distance_m, locale)}</span>
                        </button>
                      </div>
                    ))}
                  </Stack>
                )}
                {picked ? (
                  <Group mt="md" justify="space-between">
                    <Text fw={600} role="status" data-testid="confirm-hint">
                      {t('dispatch.confirm', { unit: picked.unit, ticket: selected.id })}
                    </Text>
                    <Button color="ok" onClick={() => void controller.confirm()} loading={state.sending === selected.id}>
                      {t('dispatch.send', { unit: picked.unit })}
                    </Button>
                  </Group>
                ) : null}
              </Paper>
            ) : null}
            {state.acknowledged.length > 0 ? (
              <Paper withBorder p="md" component="section" aria-labelledby="recent-title">
                <Title order={2} size="h4" id="recent-title" mb="sm">
                  {t('dispatch.recent')}
                </Title>
                <Stack gap={4} aria-live="polite" data-testid="acknowledged">
                  {state.acknowledged.map((a) => (
                    <Text key={a.id} size="sm">
                      <span className="cc-ltr">{a.id}</span> · {labelOf(t, 'incident', a.qualification?.incident_type)} ·{' '}
                      {t('dispatch.ackBy', { unit: a.unit ?? '', by: a.acknowledged_by ?? '' })} ·{' '}
                      <span className="cc-ltr">{time(a.acknowledged_at)}</span>
                    </Text>
                  ))}
                </Stack>
              </Paper>
            ) : null}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function TicketRow({ ticket, selected, waited, onSelect }: { ticket: Ticket; selected: boolean; waited: number; onSelect: () => void }) {
  const { t } = useUi();
  const q = ticket.qualification;
  return (
    <div
      id={`ticket-${ticket.id}`}
      role="option"
      aria-selected={selected}
      className="cc-ticket"
      data-escalated={ticket.escalated === true}
      data-testid={`ticket-${ticket.id}`}
      onClick={onSelect}
    >
      <Group justify="space-between" wrap="nowrap">
        <Text fw={700}>
          {q.priority} · {labelOf(t, 'incident', q.incident_type)}
        </Text>
        <Group gap={6} wrap="nowrap">
          {(ticket.callers ?? 1) > 1 ? (
            <Badge color="violet" variant="filled" data-testid={`callers-${ticket.id}`}>
              {t('dispatch.callersCount', { count: ticket.callers ?? 1 })}
            </Badge>
          ) : null}
          {ticket.escalated ? <Badge color="danger" variant="filled">{t('dispatch.escalated')}</Badge> : null}
          <Text size="sm" className="cc-ltr">{t('call.seconds', { seconds: waited })}</Text>
        </Group>
      </Group>
      <Text size="sm">{q.address}</Text>
      <Text size="sm" c="dimmed" className="cc-ltr">{ticket.id}</Text>
    </div>
  );
}
