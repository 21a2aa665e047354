/**
 * Teams' `Chart.Donut` and `Chart.Pie` for Microsoft's Adaptive Cards renderer, which does not know
 * them: two card elements, registered through the renderer's own extensibility (a CardObjectRegistry),
 * that draw the chart as inline SVG with a legend. Data as Teams takes it (docs/graph-notes.md, "Adaptive Cards in Teams"):
 * `data: [{ legend, value, color? }]`, `title`; a colour is a host config colour name ("good",
 * "attention", …) or a CSS colour.
 */
import * as AC from 'adaptivecards';

export interface ChartDatum {
  legend: string;
  value: number;
  color?: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Colours for data without one, after Teams' categorical palette. */
const PALETTE = ['#6264a7', '#e97548', '#29a5a5', '#d74654', '#8cbf4c', '#c8a413', '#a05ab8', '#4f8fd6'];
const NAMED = new Set(['default', 'dark', 'light', 'accent', 'good', 'warning', 'attention']);

/** Reads `data`, reporting (as the renderer's parse events) what it has to drop. */
const dataProperty = new AC.CustomProperty<ChartDatum[]>(
  AC.Versions.v1_0,
  'data',
  (sender, property, source, context) => {
    const raw = source[property.name];
    const out: ChartDatum[] = [];
    if (!Array.isArray(raw)) {
      context.logParseEvent(sender, AC.ValidationEvent.PropertyCantBeNull, 'A chart needs a "data" array.');
      return out;
    }
    for (const d of raw as unknown[]) {
      const item = d as Partial<ChartDatum> | null;
      if (item && typeof item.legend === 'string' && typeof item.value === 'number' && Number.isFinite(item.value) && item.value >= 0) {
        out.push({ legend: item.legend, value: item.value, ...(typeof item.color === 'string' ? { color: item.color } : {}) });
      } else {
        context.logParseEvent(sender, AC.ValidationEvent.InvalidPropertyValue, `Invalid chart datum ${JSON.stringify(d)}: needs a legend and a value of 0 or more.`);
      }
    }
    return out;
  },
  (_sender, property, target, value, context) => {
    context.serializeValue(target, property.name, value.map((d) => ({ ...d })));
  },
  [],
  () => [],
);

const titleProperty = new AC.StringProperty(AC.Versions.v1_0, 'title', true);

/** A pie chart: a full disc cut into slices. `Chart.Donut` is the same with a hole. */
export class PieChart extends AC.CardElement {
  static readonly JsonTypeName: string = 'Chart.Pie';
  static readonly titleProperty = titleProperty;
  static readonly dataProperty = dataProperty;

  protected readonly holeRatio: number = 0;

  get chartTitle(): string | undefined {
    return this.getValue(PieChart.titleProperty) as string | undefined;
  }

  get data(): ChartDatum[] {
    return (this.getValue(PieChart.dataProperty) as ChartDatum[] | undefined) ?? [];
  }

  getJsonTypeName(): string {
    return PieChart.JsonTypeName;
  }

  /** A colour the browser understands for a datum. */
  private colorOf(datum: ChartDatum, index: number): string {
    const name = datum.color?.trim();
    if (name && NAMED.has(name.toLowerCase())) {
      const colors = this.hostConfig.containerStyles.default.foregroundColors as unknown as Record<string, { default?: string } | undefined>;
      return colors[name.toLowerCase()]?.default ?? PALETTE[index % PALETTE.length] ?? '#6264a7';
    }
    if (name && /^(#[0-9a-f]{3,8}|rgba?\([\d\s.,%]+\)|[a-z]+)$/i.test(name)) return name;
    return PALETTE[index % PALETTE.length] ?? '#6264a7';
  }

  protected internalRender(): HTMLElement | undefined {
    const root = document.createElement('div');
    root.className = 'mfabot-chart';
    root.dataset.chartType = this.getJsonTypeName();
    if (this.chartTitle) {
      const title = document.createElement('div');
      title.className = 'mfabot-chart-title';
      title.textContent = this.chartTitle;
      root.appendChild(title);
    }
    const body = document.createElement('div');
    body.className = 'mfabot-chart-body';
    body.append(this.pie(), this.legend());
    root.appendChild(body);
    return root;
  }

  /** The pie (or donut) as inline SVG, labelled with its data for screen readers. */
  private pie(): SVGSVGElement {
    const data = this.data;
    const total = data.reduce((sum, d) => sum + d.value, 0);
    const size = 120;
    const radius = size / 2;
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${size} ${size}`);
    svg.setAttribute('width', String(size));
    svg.setAttribute('height', String(size));
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `${this.chartTitle ?? 'Chart'}: ${data.map((d) => `${d.legend} ${d.value}`).join(', ') || 'no data'}`);
    if (total <= 0) {
      svg.appendChild(circle(radius, radius, radius - 1, '#e1dfdd'));
    } else {
      let angle = -Math.PI / 2;
      data.forEach((d, i) => {
        if (d.value <= 0) return;
        const sweep = (d.value / total) * 2 * Math.PI;
        const shape = sweep >= 2 * Math.PI - 1e-9
          ? circle(radius, radius, radius, this.colorOf(d, i))
          : slice(radius, angle, angle + sweep, this.colorOf(d, i));
        shape.setAttribute('data-legend', d.legend);
        svg.appendChild(shape);
        angle += sweep;
      });
    }
    if (this.holeRatio > 0) {
      svg.appendChild(circle(radius, radius, radius * this.holeRatio, this.hostConfig.containerStyles.default.backgroundColor ?? '#ffffff'));
      const label = document.createElementNS(SVG_NS, 'text');
      label.setAttribute('x', String(radius));
      label.setAttribute('y', String(radius));
      label.setAttribute('text-anchor', 'middle');
      label.setAttribute('dominant-baseline', 'central');
      label.setAttribute('class', 'mfabot-chart-total');
      label.textContent = String(total);
      svg.appendChild(label);
    }
    return svg;
  }

  private legend(): HTMLUListElement {
    const legend = document.createElement('ul');
    legend.className = 'mfabot-chart-legend';
    this.data.forEach((d, i) => {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'mfabot-chart-swatch';
      swatch.style.backgroundColor = this.colorOf(d, i);
      const text = document.createElement('span');
      text.textContent = `${d.legend}: ${d.value}`;
      item.append(swatch, text);
      legend.appendChild(item);
    });
    return legend;
  }
}

export class DonutChart extends PieChart {
  static override readonly JsonTypeName: string = 'Chart.Donut';
  protected override readonly holeRatio: number = 0.6;

  override getJsonTypeName(): string {
    return DonutChart.JsonTypeName;
  }
}

function circle(cx: number, cy: number, r: number, fill: string): SVGCircleElement {
  const c = document.createElementNS(SVG_NS, 'circle');
  c.setAttribute('cx', String(cx));
  c.setAttribute('cy', String(cy));
  c.setAttribute('r', String(r));
  c.setAttribute('fill', fill);
  return c;
}

function slice(r: number, from: number, to: number, fill: string): SVGPathElement {
  const point = (a: number) => `${(r + r * Math.cos(a)).toFixed(3)} ${(r + r * Math.sin(a)).toFixed(3)}`;
  const large = to - from > Math.PI ? 1 : 0;
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', `M ${r} ${r} L ${point(from)} A ${r} ${r} 0 ${large} 1 ${point(to)} Z`);
  path.setAttribute('fill', fill);
  return path;
}

/**
 * The renderer's default elements plus the charts, without touching its global registry. `Table`
 * is registered here too: the package registers it as a side effect of its table module, which a
 * bundler drops (the package declares `sideEffects: false`) unless something names it.
 */
export function registryWithCharts(): AC.CardObjectRegistry<AC.CardElement> {
  const registry = new AC.CardObjectRegistry<AC.CardElement>();
  AC.GlobalRegistry.populateWithDefaultElements(registry);
  if (!registry.findByName('Table')) registry.register('Table', AC.Table, AC.Versions.v1_5);
  registry.register(PieChart.JsonTypeName, PieChart, AC.Versions.v1_0);
  registry.register(DonutChart.JsonTypeName, DonutChart, AC.Versions.v1_0);
  return registry;
}
