/**
 * Queue depth and the longest wait over the last 15 minutes or hour, with the answer target
 * (90 % within 15 s) drawn as a line on the waiting-time axis. uPlot (canvas, ~50 kB, served
 * from our own bundle): it redraws a live series cheaply, which a wall screen does all day.
 */
import { memo, useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useUi } from '../../app/context';
import type { Sample } from '../../store/wallboard';

export const QueueChart = memo(function QueueChart({ history, spanMs, targetSeconds, targetPercent, timeZone, chartHeight = 260 }: { history: Sample[]; spanMs: number; targetSeconds: number; targetPercent: number; timeZone: string; chartHeight?: number }) {
  const { t } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const depthLabel = t('wall.chart.depth');
  const waitLabel = t('wall.chart.wait');
  const timeLabel = t('calls.time');
  const targetLabel = t('wall.chart.target', { seconds: targetSeconds, percent: targetPercent });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // Hours and minutes in the room's time zone, 24 h, Latin digits, whatever the language.
    const clock = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const options: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: chartHeight,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      scales: { x: { time: true }, depth: { range: (_u, _min, max) => [0, Math.max(5, max)] }, wait: { range: (_u, _min, max) => [0, Math.max(targetSeconds * 2, max)] } },
      axes: [
        { stroke: '#212529', values: (_u, splits) => splits.map((ts) => clock.format(new Date(ts * 1000))) },
        { scale: 'depth', label: depthLabel, stroke: '#0b3d6b' },
        { scale: 'wait', side: 1, label: waitLabel, stroke: '#8a1a1a', grid: { show: false } },
      ],
      series: [
        { label: timeLabel, value: (_u, ts) => (ts == null ? '—' : clock.format(new Date(ts * 1000))) },
        { label: depthLabel, scale: 'depth', stroke: '#1864ab', width: 2, fill: 'rgba(24,100,171,0.12)' },
        { label: waitLabel, scale: 'wait', stroke: '#a82222', width: 2 },
        { label: targetLabel, scale: 'wait', stroke: '#2b8a3e', width: 0, dash: [8, 6], points: { show: false } },
      ],
      legend: { show: true, live: false },
      hooks: {
        // The target as a line across the whole time axis, not only where samples exist.
        draw: [
          (u) => {
            const y = u.valToPos(targetSeconds, 'wait', true);
            const { ctx } = u;
            ctx.save();
            ctx.strokeStyle = '#2b8a3e';
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.setLineDash([8 * devicePixelRatio, 6 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    };
    plot.current = new uPlot(options, [[], [], [], []], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: chartHeight }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [depthLabel, waitLabel, targetLabel, timeLabel, targetSeconds, timeZone, chartHeight]);

  useEffect(() => {
    const now = Date.now();
    const shown = history.filter((s) => s.t >= now - spanMs);
    const xs = shown.map((s) => s.t / 1000);
    plot.current?.setData([xs, shown.map((s) => s.depth), shown.map((s) => s.longest), shown.map(() => targetSeconds)]);
    if (plot.current && xs.length > 0) plot.current.setScale('x', { min: (now - spanMs) / 1000, max: now / 1000 });
  }, [history, spanMs, targetSeconds]);

  return (
    <figure className="cc-chart" dir="ltr" aria-label={t('wall.chart.title')} data-testid="queue-chart" data-samples={history.length}>
      <div ref={box} />
      <figcaption className="cc-visually-hidden">{t('wall.chart.caption', { depth: history.at(-1)?.depth ?? 0, wait: history.at(-1)?.longest ?? 0 })}</figcaption>
    </figure>
  );
});
