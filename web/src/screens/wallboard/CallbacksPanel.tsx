/** The call-back tasks for the supervisor (GET /callbacks, read every few seconds): how many
 * to call, being called, reached; the next ones in the order seats get them; and the callers
 * who cannot be called back, with why (withheld number, invalid number). */
import { memo, useEffect, useMemo, useState } from 'react';
import type { CallbackTask } from '../../api/callbacks';
import { useRoom, useUi } from '../../app/context';
import { labelOf } from '../../i18n/i18n';
import { callbackBoard } from '../../store/callbackBoard';
import { dialledNumber } from '../operator/CallbackCard';
import { duration } from './format';

const EVERY_MS = 10_000;

export const CallbacksPanel = memo(function CallbacksPanel() {
  const room = useRoom();
  const { t } = useUi();
  const [tasks, setTasks] = useState<CallbackTask[] | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      room.api
        .get<CallbackTask[]>('/callbacks')
        .then((found) => {
          if (!stopped) setTasks(found);
        })
        .catch(() => {}); // asked again at the next round
    void load();
    const timer = setInterval(load, EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [room.api]);
  const board = useMemo(() => callbackBoard(tasks ?? []), [tasks]);
  const c = board.counts;
  return (
    <section className="cc-panel" aria-labelledby="callbacks-title" data-testid="callbacks-panel">
      <h2 id="callbacks-title" className="cc-panel-title">
        {t('callback.board.title', { count: c.open + c.offered + c.calling })}
      </h2>
      <p data-testid="callbacks-counts">
        {t('callback.board.counts', { calling: c.calling, reached: c.reached, closed: c.closed, gaveUp: c.gave_up, notCallable: c.not_callable })}
      </p>
      {board.live.length > 0 ? (
        <table className="cc-table">
          <thead>
            <tr>
              <th scope="col">{t('call.caller')}</th>
              <th scope="col">{t('callback.board.reason')}</th>
              <th scope="col">{t('call.waited')}</th>
              <th scope="col">{t('callback.board.calls')}</th>
              <th scope="col">{t('callback.board.status')}</th>
            </tr>
          </thead>
          <tbody>
            {board.live.map((task) => (
              <tr key={task.call_id} data-testid={`callback-${task.call_id}`}>
                <td>
                  <span className="cc-ltr">{dialledNumber(task)}</span>
                </td>
                <td>{t(`callback.reason.${task.reason}`)}</td>
                <td className="cc-ltr">{task.waited_seconds !== null ? duration(task.waited_seconds) : '—'}</td>
                <td className="cc-ltr">{task.repeat_count + 1}</td>
                <td>{task.seat ? `${labelOf(t, 'callback.status', task.status)} · ${task.seat}` : labelOf(t, 'callback.status', task.status)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {board.notCallable.length > 0 ? (
        <>
          <h3 className="cc-panel-title">{t('callback.board.notCallable')}</h3>
          <ul className="cc-alerts" data-testid="callbacks-not-callable">
            {board.notCallable.map((task) => (
              <li key={task.call_id}>
                <span className="cc-ltr">{task.call_id}</span> · {labelOf(t, 'callback.notCallable', task.not_callable)} · {t(`callback.reason.${task.reason}`)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
});
