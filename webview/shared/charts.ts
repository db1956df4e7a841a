/**
 * chart.js set up for live training curves: animation and parsing off, normalized data, no points,
 * min-max decimation (keeps spikes), only the components used are registered. Data are the
 * downsampled {x, y} points of the run state (x = step).
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
} from 'chart.js';
import type { Point } from '../../protocol/runModel/series';
import type { Theme } from './theme';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, BarController, BarElement, Decimation, Legend, Tooltip);

export interface LineSpec {
  label: string;
  points: Point[];
  color: string;
  width?: number;
  dashed?: boolean;
  /** dots for sparse curves (evaluations) */
  pointRadius?: number;
}

export interface LineChartOptions {
  xTitle?: string;
  yTitle?: string;
  legend?: boolean;
  /** y axis starts at 0 */
  beginAtZero?: boolean;
}

const font = (theme: Theme) => ({ family: theme.fontFamily, size: 11 });

function axes(theme: Theme, options: LineChartOptions) {
  const axis = (title?: string) => ({
    grid: { color: theme.grid },
    ticks: { color: theme.muted, font: font(theme), maxTicksLimit: 8 },
    border: { color: theme.grid },
    title: { display: Boolean(title), text: title ?? '', color: theme.muted, font: font(theme) },
  });
  return {
    x: { type: 'linear' as const, ...axis(options.xTitle ?? 'step') },
    y: { type: 'linear' as const, beginAtZero: options.beginAtZero ?? false, ...axis(options.yTitle) },
  };
}

const lineDataset = (line: LineSpec): ChartDataset<'line', Point[]> => ({
  label: line.label,
  data: line.points.slice(),
  borderColor: line.color,
  backgroundColor: line.color,
  borderWidth: line.width ?? 1.5,
  borderDash: line.dashed ? [5, 3] : [],
  pointRadius: line.pointRadius ?? 0,
  pointHitRadius: 4,
  spanGaps: true,
});

export function createLineChart(canvas: HTMLCanvasElement, theme: Theme, lines: LineSpec[], options: LineChartOptions = {}) {
  return new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets: lines.map(lineDataset) },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      indexAxis: 'x',
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: axes(theme, options),
      plugins: {
        decimation: { enabled: true, algorithm: 'min-max' },
        legend: { display: options.legend ?? lines.length > 1, labels: { color: theme.foreground, font: font(theme), boxWidth: 12, boxHeight: 2 } },
        tooltip: { enabled: true },
      },
    },
  });
}

/** Replaces the curves' points (same datasets in the same order); the caller batches update('none'). */
export function setLinePoints(chart: Chart<'line', Point[]>, lines: readonly Point[][]): void {
  lines.forEach((points, i) => {
    const dataset = chart.data.datasets[i];
    if (dataset) dataset.data = points.slice();
  });
}

export function createBarChart(canvas: HTMLCanvasElement, theme: Theme, labels: string[], values: number[], colors: string[], yTitle: string) {
  return new Chart<'bar', number[], string>(canvas, {
    type: 'bar',
    data: { labels, datasets: [{ label: yTitle, data: values, backgroundColor: colors, borderWidth: 0 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { grid: { display: false }, ticks: { color: theme.muted, font: font(theme) } },
        y: { grid: { color: theme.grid }, ticks: { color: theme.muted, font: font(theme) }, title: { display: true, text: yTitle, color: theme.muted, font: font(theme) } },
      },
      plugins: { legend: { display: false } },
    },
  });
}

/** Number of points a line dataset drew (after decimation). */
export const drawnPoints = (chart: Chart, datasetIndex = 0) => chart.getDatasetMeta(datasetIndex).data.length;

export { Chart };
