// Secret masking for what report.html shows of the resolved scenario: the one place the report
// decides what a secret is.
const SECRETISH = /secret|password|token|sign|api.?key|credential/i;

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRETISH.test(k) && typeof v !== 'object' ? '[redacted]' : redact(v)]));
  }
  return value;
}
