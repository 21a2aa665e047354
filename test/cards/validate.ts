/**
 * Checks a card against the official Adaptive Cards 1.5 schema (test/schemas). Teams-only parts the
 * schema does not know are checked here by hand: `Chart.*` elements (then replaced by their fallback,
 * which must itself be valid) and the card's `msteams` property.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
import schemaFile from '../schemas/adaptive-card-1.5.json';
import type { AdaptiveCard } from '../../src/cards/types';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonRecord = { [key: string]: Json };

const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addMetaSchema(draft06);
addFormats(ajv);
// The schema names itself with draft-04's `id`, which Ajv 8 refuses; `$id` is the draft-06 spelling.
const { id: schemaId, ...schemaBody } = schemaFile;
const validateSchema = ajv.compile({ ...schemaBody, $id: schemaId });

const CHART_TYPES = new Set([
  'Chart.Donut', 'Chart.Pie', 'Chart.Gauge', 'Chart.VerticalBar', 'Chart.VerticalBar.Grouped',
  'Chart.HorizontalBar', 'Chart.HorizontalBar.Stacked', 'Chart.Line',
]);

function isRecord(value: Json | undefined): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own check of a Teams chart; only Donut and Pie (the ones MfaBot draws) are checked in depth. */
function chartErrors(chart: JsonRecord, path: string): string[] {
  const errors: string[] = [];
  if (!CHART_TYPES.has(String(chart.type))) errors.push(`${path}: unknown chart type ${String(chart.type)}`);
  if (chart.title !== undefined && typeof chart.title !== 'string') errors.push(`${path}/title: must be a string`);
  if (!isRecord(chart.fallback)) errors.push(`${path}/fallback: a chart needs a fallback element for clients without charts`);
  if (chart.type === 'Chart.Donut' || chart.type === 'Chart.Pie') {
    if (!Array.isArray(chart.data) || chart.data.length === 0) {
      errors.push(`${path}/data: must be a non-empty array`);
    } else {
      chart.data.forEach((d, i) => {
        if (!isRecord(d) || typeof d.legend !== 'string' || typeof d.value !== 'number' || !Number.isFinite(d.value)) {
          errors.push(`${path}/data/${i}: must be {legend: string, value: number}`);
        } else if (d.color !== undefined && typeof d.color !== 'string') {
          errors.push(`${path}/data/${i}/color: must be a string`);
        }
      });
    }
  }
  return errors;
}

/** Own check of the card's Teams properties; every mention must appear in the rest of the card. */
function msteamsErrors(msteams: Json, restJson: string): string[] {
  if (!isRecord(msteams)) return ['/msteams: must be an object'];
  const errors: string[] = [];
  for (const key of Object.keys(msteams)) if (key !== 'width' && key !== 'entities') errors.push(`/msteams/${key}: not expected`);
  if (msteams.width !== undefined && msteams.width !== 'Full') errors.push('/msteams/width: must be "Full"');
  if (msteams.entities !== undefined) {
    if (!Array.isArray(msteams.entities)) return [...errors, '/msteams/entities: must be an array'];
    msteams.entities.forEach((e, i) => {
      const ok = isRecord(e) && e.type === 'mention' && typeof e.text === 'string' && isRecord(e.mentioned)
        && typeof e.mentioned.id === 'string' && typeof e.mentioned.name === 'string';
      if (!ok) errors.push(`/msteams/entities/${i}: must be {type: "mention", text, mentioned: {id, name}}`);
      else if (typeof e.text === 'string' && !restJson.includes(JSON.stringify(e.text).slice(1, -1))) {
        errors.push(`/msteams/entities/${i}: ${e.text} is not in the card's text`);
      }
    });
  }
  return errors;
}

/** Replaces every chart by its fallback, collecting the charts' own errors. */
function withoutCharts(value: Json, path: string, errors: string[]): Json {
  if (Array.isArray(value)) return value.map((v, i) => withoutCharts(v, `${path}/${i}`, errors));
  if (!isRecord(value)) return value;
  if (typeof value.type === 'string' && value.type.startsWith('Chart.')) {
    errors.push(...chartErrors(value, path));
    return isRecord(value.fallback) ? withoutCharts(value.fallback, `${path}/fallback`, errors) : { type: 'TextBlock', text: '' };
  }
  const out: JsonRecord = {};
  for (const [key, v] of Object.entries(value)) out[key] = withoutCharts(v, `${path}/${key}`, errors);
  return out;
}

/** Validates a card; returns readable errors, none when the card is valid. */
export function validateCard(card: AdaptiveCard): string[] {
  const parsed = JSON.parse(JSON.stringify(card)) as Json;
  if (!isRecord(parsed)) return ['card is not an object'];
  const errors: string[] = [];
  const { msteams, ...rest } = parsed;
  if (msteams !== undefined) errors.push(...msteamsErrors(msteams, JSON.stringify(rest)));
  const plain = withoutCharts(rest, '', errors);
  if (!validateSchema(plain)) {
    const seen = new Set<string>();
    for (const e of validateSchema.errors ?? []) {
      const line = `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`;
      if (!seen.has(line)) errors.push(line);
      seen.add(line);
    }
  }
  return errors;
}
