/** My last calls this shift (GET /me/calls), with their outcome, incident and unit. */
import { Paper, Table, Text, Title } from '@mantine/core';
import type { CallOut } from '../../api/types';
import { useRoom, useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { formatTime } from '../../format/time';
import { labelOf } from '../../i18n/i18n';

export function MyCalls({ calls }: { calls: CallOut[] }) {
  const { t, locale } = useUi();
  const { config } = useRoom();
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="calls-title">
      <Title order={2} size="h4" id="calls-title" mb="sm">
        {t('calls.title')}
      </Title>
      {calls.length === 0 ? (
        <Text c="dimmed">{t('calls.empty')}</Text>
      ) : (
        <Table striped highlightOnHover data-testid="my-calls">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('calls.time')}</Table.Th>
              <Table.Th>{t('calls.caller')}</Table.Th>
              <Table.Th>{t('calls.outcome')}</Table.Th>
              <Table.Th>{t('calls.incident')}</Table.Th>
              <Table.Th>{t('calls.unit')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {calls.slice(0, 20).map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td><span className="cc-ltr">{formatTime(c.rang_at, config.time_zone, locale)}</span></Table.Td>
                <Table.Td><span className="cc-ltr">{formatNumber(c.caller_e164, c.caller_raw) ?? t('call.withheld')}</span></Table.Td>
                <Table.Td>{labelOf(t, 'outcome', c.outcome ?? 'none')}</Table.Td>
                <Table.Td>{labelOf(t, 'incident', c.incident_type)}</Table.Td>
                <Table.Td><span className="cc-ltr">{c.dispatch_unit ?? ''}</span></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
