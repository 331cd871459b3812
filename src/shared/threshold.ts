// Threshold expressions, k6-style: `<metric>[.<aggregate>] <op> <number> [over <duration>]`.
//   rss_mb.max < 450        heap_floor_mb.growth < 50      drops.unscheduled < 10
//   msg_rate.avg > 10       error_rate < 0.001             cpu_pct.avg < 30 over 10m
import { parseDuration } from './units.ts';

export const AGGREGATES = ['avg', 'min', 'max', 'first', 'last', 'growth', 'final_ratio', 'count', 'p50', 'p90', 'p99'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Threshold {
  expr: string;
  metric: string;
  /** Undefined for metrics that are a single number (a counter, a ratio). */
  aggregate?: Aggregate;
  op: Operator;
  value: number;
  /** Only the last `windowMs` of the run counts (`over 10m`). */
  windowMs?: number;
}

export class ExpressionError extends Error {
  readonly expr: string;
  readonly column: number;
  constructor(expr: string, column: number, expected: string) {
    super(`${expected}\n  ${expr}\n  ${' '.repeat(column)}^`);
    this.expr = expr;
    this.column = column;
  }
}

const GRAMMAR = /^\s*([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*(?:over\s+(\S+))?\s*$/i;

export function parseThreshold(expr: string): Threshold {
  const match = GRAMMAR.exec(expr);
  if (!match) throw explain(expr);
  const [, path, op, num, window] = match as unknown as [string, string, Operator, string, string | undefined];
  const parts = path.split('.');
  const last = parts.at(-1)!;
  const isAggregate = parts.length > 1 && (AGGREGATES as readonly string[]).includes(last);
  let windowMs: number | undefined;
  if (window !== undefined) {
    try {
      windowMs = parseDuration(window);
    } catch {
      throw new ExpressionError(expr, expr.indexOf(window), `expected a duration after "over", like "10m"`);
    }
  }
  return {
    expr: expr.trim(),
    metric: isAggregate ? parts.slice(0, -1).join('.') : path,
    aggregate: isAggregate ? (last as Aggregate) : undefined,
    op,
    value: Number(num),
    windowMs,
  };
}

function explain(expr: string): ExpressionError {
  const metric = /^\s*[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*/i.exec(expr);
  if (!metric) return new ExpressionError(expr, expr.search(/\S|$/), 'expected a metric name like "rss_mb.max"');
  let column = metric[0].length;
  const rest = expr.slice(column);
  const op = /^\s*(<=|>=|==|!=|<|>)/.exec(rest);
  if (!op) return new ExpressionError(expr, column + rest.search(/\S|$/), `expected one of ${OPERATORS.join(' ')}`);
  column += op[0].length;
  const after = expr.slice(column);
  const num = /^\s*-?\d+(?:\.\d+)?(?:e-?\d+)?/i.exec(after);
  if (!num) return new ExpressionError(expr, column + after.search(/\S|$/), 'expected a number');
  column += num[0].length;
  return new ExpressionError(expr, column + expr.slice(column).search(/\S|$/), 'expected the end, or "over <duration>"');
}

export function compare(value: number, op: Operator, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
    case '==':
      return value === bound;
    case '!=':
      return value !== bound;
  }
}
