/** The wallboard's tiles: each figure with its window and its colour from the thresholds. */
import type { WallboardConfig, WindowStats } from '../../api/supervision';
import { memo } from 'react';
import { useUi } from '../../app/context';
import type { MessageKey } from '../../i18n/i18n';
import { level, type Level } from '../../store/wallboard';
import { duration, percent } from './format';

interface TileProps {
  id: string;
  label: MessageKey;
  value: string;
  level: Level;
  note?: string;
}

function Tile({ id, label, value, level: lvl, note }: TileProps) {
  const { t } = useUi();
  return (
    <div className="cc-tile" data-level={lvl} data-testid={`tile-${id}`} role="group" aria-label={t(label)}>
      <div className="cc-tile-label">{t(label)}</div>
      <div className="cc-tile-value cc-ltr" data-testid={`tile-${id}-value`}>
        {value}
      </div>
      <div className="cc-tile-note">
        {note ?? ''}
        {lvl === 'warn' || lvl === 'alarm' ? <span className="cc-visually-hidden"> {t(`level.${lvl}`)}</span> : null}
      </div>
    </div>
  );
}

export const Tiles = memo(function Tiles({ stats, config, waiting, longest, windowLabel }: { stats: WindowStats | null; config: WallboardConfig | null; waiting: number; longest: number; windowLabel: string }) {
  const { t } = useUi();
  const th = config?.thresholds ?? {};
  const within = stats?.answered_within ?? {};
  const now = t('wall.now');
  return (
    <section className="cc-tiles" aria-label={t('wall.tiles')}>
      <Tile id="waiting" label="wall.tile.waiting" value={String(waiting)} level={level(waiting, th.calls_waiting)} note={now} />
      <Tile id="longest" label="wall.tile.longest" value={duration(waiting ? longest : null)} level={level(waiting ? longest : 0, th.longest_wait_seconds)} note={now} />
      <Tile id="overflow" label="wall.tile.overflow" value={String(stats?.overflowing ?? '—')} level={level(stats?.overflowing, th.overflowing)} note={now} />
      <Tile
        id="within"
        label="wall.tile.within"
        value={percent(within['15'])}
        level={level(within['15'], th.answered_within_15)}
        note={`${t('wall.within10')} ${percent(within['10'])} · ${t('wall.within20')} ${percent(within['20'])} · ${windowLabel}`}
      />
      <Tile id="asa" label="wall.tile.asa" value={stats?.average_speed_of_answer == null ? '—' : `${stats.average_speed_of_answer.toFixed(1)} s`} level={level(stats?.average_speed_of_answer, th.average_speed_of_answer)} note={windowLabel} />
      <Tile id="abandon" label="wall.tile.abandon" value={percent(stats?.abandon_rate)} level={level(stats?.abandon_rate, th.abandon_rate)} note={windowLabel} />
      <Tile id="occupancy" label="wall.tile.occupancy" value={percent(stats?.occupancy)} level={level(stats?.occupancy, th.occupancy)} note={now} />
    </section>
  );
});
