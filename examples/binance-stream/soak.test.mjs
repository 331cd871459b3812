// (c) The soak as a test in your own runner (here node:test; vitest and jest look the same):
//   node --test soak.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from 'exsoak';

test('the market-stream client survives a soak', { timeout: 120_000 }, async () => {
  const verdict = await soak(new URL('./soak-24h.yaml', import.meta.url).pathname, {
    duration: process.env.SOAK_DURATION ?? '10s',
    sampleInterval: '500ms',
    out: process.env.SOAK_OUT,
  });
  const failed = Object.entries(verdict.probes).flatMap(([name, p]) => p.criteria.filter((c) => !c.pass).map((c) => `${name}: ${c.expr} (${c.value})`));
  assert.ok(verdict.pass, `soak failed: ${failed.join('; ') || verdict.reason}`);
  assert.ok(verdict.probes.stream.criteria.find((c) => c.expr === 'msg_rate.avg > 10')?.pass);
});
