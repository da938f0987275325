/**
 * Queue depth and the longest wait over the last 15 minutes or hour, with the answer target
 * (90 % within 15 s) drawn as a line on the waiting-time axis. uPlot (canvas, ~50 kB, served
 * from our own bundle): it redraws a live series cheaply, which a wall screen does all day.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useUi } from '../../app/context';
import type { Sample } from '../../store/wallboard';

export function QueueChart({ history, spanMs, targetSeconds, targetPercent, timeZone }: { history: Sample[]; spanMs: number; targetSeconds: number; targetPercent: number; timeZone: string }) {
  const { t } = useUi();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const depthLabel = t('wall.chart.depth');
  const waitLabel = t('wall.chart.wait');
  const targetLabel = t('wall.chart.target', { seconds: targetSeconds, percent: targetPercent });

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), timeZone),
      scales: { x: { time: true }, depth: { range: (_u, _min, max) => [0, Math.max(5, max)] }, wait: { range: (_u, _min, max) => [0, Math.max(targetSeconds * 2, max)] } },
      axes: [
        { stroke: '#212529' },
        { scale: 'depth', label: depthLabel, stroke: '#0b3d6b' },
        { scale: 'wait', side: 1, label: waitLabel, stroke: '#8a1a1a', grid: { show: false } },
      ],
      series: [
        {},
        { label: depthLabel, scale: 'depth', stroke: '#1864ab', width: 2, fill: 'rgba(24,100,171,0.12)' },
        { label: waitLabel, scale: 'wait', stroke: '#a82222', width: 2 },
        { label: targetLabel, scale: 'wait', stroke: '#2b8a3e', width: 2, dash: [8, 6], points: { show: false } },
      ],
      legend: { show: true },
    };
    plot.current = new uPlot(options, [[], [], [], []], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [depthLabel, waitLabel, targetLabel, targetSeconds, timeZone]);

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
}
