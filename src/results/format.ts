// Number and text formatting shared by the report (HTML) and `compare` (terminal, JSON).
import { groupThousands } from '../shared/text.ts';

export const escapeHtml = (text: unknown): string =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Enough significant digits to read, never "-0". */
export function fmt(value: number | undefined | null, digits = 3): string {
  if (value === undefined || value === null || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  let text: string;
  if (abs >= 1000) text = groupThousands(value);
  else if (abs >= 100) text = value.toFixed(Math.max(0, digits - 3));
  else if (abs >= 10) text = value.toFixed(Math.max(0, digits - 2)).replace(/\.0+$/, '');
  else if (abs >= 1) text = value.toFixed(Math.max(0, digits - 1)).replace(/\.?0+$/, '');
  else text = value.toPrecision(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return text === '-0' ? '0' : text;
}

export function signed(value: number | undefined, digits = 3): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  return value > 0 ? `+${fmt(value, digits)}` : fmt(value, digits);
}

/** Bytes as KB/MB/GB (binary, like V8's figures). */
export function bytes(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 1024 ** 3) return `${fmt(value / 1024 ** 3)} GB`;
  if (abs >= 1024 ** 2) return `${fmt(value / 1024 ** 2)} MB`;
  if (abs >= 1024) return `${fmt(value / 1024)} KB`;
  return `${fmt(value)} B`;
}

/** Elapsed time as a compact label: 45s, 12m, 1h30m, 2d3h. */
export function elapsed(ms: number): string {
  const neg = ms < 0;
  if (ms !== 0 && Math.abs(ms) < 1000) return `${neg ? '-' : ''}${Math.round(Math.abs(ms))}ms`;
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = d ? [`${d}d`, h ? `${h}h` : ''] : h ? [`${h}h`, m ? `${m}m` : ''] : m ? [`${m}m`, s ? `${s}s` : ''] : [`${s}s`];
  return (neg ? '-' : '') + parts.join('');
}
