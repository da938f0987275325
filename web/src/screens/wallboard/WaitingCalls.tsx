/** Callers waiting, in the queue's order (priority, then wait); re-prioritise one (who and why
 * go on the call's timeline). */
import { Button, Group, Modal, NumberInput, Stack, TextInput } from '@mantine/core';
import { type FormEvent, memo, useState } from 'react';
import type { WaitingCall } from '../../api/supervision';
import { useUi } from '../../app/context';
import { formatNumber } from '../../format/phone';
import { duration } from './format';

export interface WaitingRow {
  id: string;
  call: WaitingCall | null;
  since: number;
}

export const WaitingCalls = memo(function WaitingCalls({ rows, now, wall, moved, onReprioritise, onError }: { rows: WaitingRow[]; now: number; wall: boolean; moved: string | null; onReprioritise: (id: string, priority: number, reason: string) => Promise<void>; onError: (m: string) => void }) {
  const { t } = useUi();
  const [target, setTarget] = useState<WaitingRow | null>(null);
  const [priority, setPriority] = useState<number>(10);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const shown = wall ? 14 : 25;
  const top = Math.max(0, ...rows.map((r) => r.call?.queue_priority ?? 0));

  const open = (row: WaitingRow) => {
    setTarget(row);
    setPriority(Math.min(100, top + 1));
    setReason('');
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!target) return;
    setBusy(true);
    try {
      await onReprioritise(target.id, priority, reason.trim());
      setTarget(null);
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="cc-panel cc-area-waiting" aria-labelledby="waiting-title">
      <h2 id="waiting-title" className="cc-panel-title">
        {t('wall.waiting.title', { count: rows.length })}
      </h2>
      {rows.length === 0 ? (
        <p className="cc-dim">{t('wall.waiting.empty')}</p>
      ) : (
        <table className="cc-table" data-testid="waiting-calls">
          <thead>
            <tr>
              <th scope="col">{t('wall.waiting.position')}</th>
              <th scope="col">{t('call.caller')}</th>
              <th scope="col">{t('call.priority')}</th>
              <th scope="col">{t('call.waited')}</th>
              {wall ? null : <th scope="col"><span className="cc-visually-hidden">{t('wall.waiting.actions')}</span></th>}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, shown).map((row, i) => (
              <tr key={row.id} data-testid={`waiting-${row.id}`} data-position={i + 1} data-moved={row.id === moved}>
                <td className="cc-ltr">{i + 1}</td>
                <td>
                  <span className="cc-ltr">{row.call ? (formatNumber(row.call.caller_e164, row.call.caller_raw) ?? t('call.withheld')) : '…'}</span>
                </td>
                <td className="cc-ltr">{row.call?.queue_priority ?? '…'}</td>
                <td className="cc-ltr">{duration((now - row.since) / 1000)}</td>
                {wall ? null : (
                  <td>
                    <Button size="compact-xs" variant="default" onClick={() => open(row)} data-testid={`reprioritise-${row.id}`}>
                      {t('wall.waiting.reprioritise')}
                    </Button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > shown ? <p className="cc-dim" data-testid="waiting-more">{t('wall.waiting.more', { count: rows.length - shown })}</p> : null}
      <Modal opened={target !== null} onClose={() => setTarget(null)} title={t('wall.waiting.reprioritiseTitle')}>
        <form onSubmit={submit}>
          <Stack>
            <NumberInput label={t('wall.waiting.newPriority')} description={t('wall.waiting.priorityHelp')} min={0} max={100} value={priority} onChange={(v) => setPriority(Number(v) || 0)} data-autofocus data-testid="new-priority" />
            <TextInput label={t('wall.waiting.reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={200} data-testid="priority-reason" />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setTarget(null)}>
                {t('wall.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="priority-submit">
                {t('wall.confirm')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </section>
  );
});
