/**
 * The console's only script (bundled by esbuild into /ui/assets/console.js): draws the charts
 * from the JSON data blocks the server rendered. Pages work without it; the tables hold the data.
 */
import uPlot from 'uplot';

// The project type-checks against Node's globals only (a DOM lib would change server types), so
// the few browser APIs used here are declared locally.
interface Element {
  textContent: string | null;
  clientWidth: number;
  dataset: Record<string, string | undefined>;
  classList: { add(name: string): void };
}
interface Browser {
  document: {
    readyState: string;
    documentElement: Element;
    getElementById(id: string): Element | null;
    querySelectorAll(selector: string): Iterable<Element>;
    addEventListener(type: string, listener: () => void): void;
  };
  ResizeObserver: new (callback: () => void) => { observe(el: Element): void };
}
const { document, ResizeObserver } = globalThis as unknown as Browser;

interface ChartData {
  x: number[];
  series: { label: string; values: number[] }[];
}

const COLOURS: Record<string, string> = {
  extracted: '#2f855a',
  unmatched: '#c53030',
  ambiguous: '#b7791f',
  duplicate: '#718096',
  invalid: '#6b46c1',
  sessions: '#2b6cb0',
};

function draw(el: Element): void {
  const block = document.getElementById(el.dataset.chart ?? '');
  if (!block?.textContent) return;
  const data = JSON.parse(block.textContent) as ChartData;
  const bars = el.dataset.kind === 'bars';
  const width = Math.max(320, el.clientWidth || 800);
  const opts: uPlot.Options = {
    width,
    height: 240,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { size: 50 }],
    series: [
      {},
      ...data.series.map((s) => ({
        label: s.label,
        stroke: COLOURS[s.label] ?? '#2b6cb0',
        fill: bars ? `${COLOURS[s.label] ?? '#2b6cb0'}99` : undefined,
        width: bars ? 0 : 1.5,
        points: { show: false },
        paths: bars ? uPlot.paths.bars!({ size: [0.8, 40] }) : undefined,
      })),
    ],
  };
  el.textContent = '';
  const plot = new uPlot(opts, [data.x, ...data.series.map((s) => s.values)], el as never);
  new ResizeObserver(() => plot.setSize({ width: Math.max(320, el.clientWidth), height: 240 })).observe(el);
}

function start(): void {
  document.documentElement.classList.add('js');
  for (const el of document.querySelectorAll('[data-chart]')) {
    try {
      draw(el);
    } catch (err) {
      console.error('chart failed', err);
    }
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
