/** The seat's hand-offs and their live status: sent, escalated, acknowledged by unit X. */
import { Badge, List, Paper, Title } from '@mantine/core';
import { useUi } from '../../app/context';
import type { OperatorState } from '../../store/operator';

export function Tickets({ state }: { state: OperatorState }) {
  const { t } = useUi();
  if (state.handoffs.length === 0) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="tickets-title">
      <Title order={2} size="h4" id="tickets-title" mb="sm">
        {t('ticket.title')}
      </Title>
      <List spacing="xs" listStyleType="none" aria-live="polite" data-testid="tickets">
        {state.handoffs.slice(0, 5).map((id) => {
          const ticket = state.tickets[id];
          if (!ticket) return null;
          const color = ticket.state === 'acknowledged' ? 'ok' : ticket.state === 'escalated' ? 'danger' : 'blue';
          const text =
            ticket.state === 'acknowledged'
              ? t('ticket.acknowledged', { unit: ticket.unit ?? '' })
              : ticket.state === 'escalated'
                ? t('ticket.escalated')
                : t('ticket.sent');
          return (
            <List.Item key={id} data-testid={`ticket-${id}`} data-state={ticket.state}>
              <span className="cc-ltr">{id}</span>{' '}
              <Badge color={color} variant="filled" size="lg">
                {text}
              </Badge>
            </List.Item>
          );
        })}
      </List>
    </Paper>
  );
}
