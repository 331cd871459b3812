import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EXECUTOR_STATES,
  EXECUTOR_TRANSITIONS,
  IllegalTransitionError,
  StateMachine,
  createExecutorMachine,
  type ExecutorState,
  type StuckEvent,
  type TransitionEvent,
} from '../../src/exchanges/bitunix/executor/state-machine.ts';

/** Puts a fresh machine into `state` through legal transitions only (BFS over the table). */
function machineIn(state: ExecutorState) {
  const machine = createExecutorMachine({});
  const path = pathTo(state);
  for (const next of path) machine.transition(next, 'setup');
  assert.equal(machine.state, state);
  return machine;
}

function pathTo(target: ExecutorState): ExecutorState[] {
  const prev = new Map<ExecutorState, ExecutorState>();
  const queue: ExecutorState[] = ['INIT'];
  const seen = new Set<ExecutorState>(['INIT']);
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (s === target) break;
    for (const n of EXECUTOR_TRANSITIONS[s]) {
      if (!seen.has(n)) {
        seen.add(n);
        prev.set(n, s);
        queue.push(n);
      }
    }
  }
  const path: ExecutorState[] = [];
  for (let s: ExecutorState | undefined = target; s && s !== 'INIT'; s = prev.get(s)) path.unshift(s);
  return path;
}

test('every state is reachable from INIT and STOPPED is reachable from every state', () => {
  for (const state of EXECUTOR_STATES) {
    if (state !== 'INIT') assert.ok(pathTo(state).length > 0, `${state} unreachable`);
    // stop path: from anything to STOPPED
    const seen = new Set<ExecutorState>([state]);
    const queue = [state];
    while (queue.length) for (const n of EXECUTOR_TRANSITIONS[queue.shift()!]) if (!seen.has(n)) (seen.add(n), queue.push(n));
    assert.ok(seen.has('STOPPED'), `no way to STOPPED from ${state}`);
  }
});

test('the transition table is enforced for every pair of states', () => {
  let allowed = 0;
  let refused = 0;
  for (const from of EXECUTOR_STATES) {
    for (const to of EXECUTOR_STATES) {
      const machine = machineIn(from);
      if (EXECUTOR_TRANSITIONS[from].includes(to)) {
        assert.ok(machine.can(to));
        machine.transition(to, 'test');
        assert.equal(machine.state, to);
        allowed++;
      } else {
        assert.ok(!machine.can(to));
        assert.throws(() => machine.transition(to, 'test'), (err: unknown) => {
          assert.ok(err instanceof IllegalTransitionError);
          assert.equal(err.from, from);
          assert.equal(err.to, to);
          return true;
        });
        assert.equal(machine.state, from, 'a refused transition leaves the state alone');
        refused++;
      }
      machine.dispose();
    }
  }
  assert.ok(allowed > 20 && refused > 50);
});

test('specific rules: no order action from ERROR_LOCK, nothing leaves STOPPED, modify only from WORKING', () => {
  assert.deepEqual([...EXECUTOR_TRANSITIONS.ERROR_LOCK].sort(), ['CANCELLING', 'STOPPED']);
  assert.deepEqual([...EXECUTOR_TRANSITIONS.STOPPED], []);
  for (const s of EXECUTOR_STATES) {
    if (EXECUTOR_TRANSITIONS[s].includes('MODIFYING')) assert.equal(s, 'WORKING');
    if (EXECUTOR_TRANSITIONS[s].includes('PLACING')) assert.equal(s, 'IDLE');
  }
});

test('every transition emits from/to/reason/time and held duration', () => {
  let now = 1000;
  const machine = new StateMachine<'A' | 'B'>({ initial: 'A', transitions: { A: ['B'], B: ['A'] }, now: () => now });
  const events: TransitionEvent<'A' | 'B'>[] = [];
  machine.on('transition', (e) => events.push(e));
  now = 1250;
  machine.transition('B', 'go');
  now = 1300;
  machine.transition('A', 'back');
  assert.deepEqual(events, [
    { from: 'A', to: 'B', reason: 'go', at: 1250, heldMs: 250 },
    { from: 'B', to: 'A', reason: 'back', at: 1300, heldMs: 50 },
  ]);
  now = 1400;
  assert.equal(machine.timeIn('A'), 250 + 100);
  assert.equal(machine.timeIn('B'), 50);
  assert.equal(machine.transitionCount, 2);
  machine.dispose();
});

test('a state held past its timeout raises stuck (again each period), leaving it stops that', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const machine = new StateMachine<'A' | 'B'>({ initial: 'A', transitions: { A: ['B'], B: ['A'] }, timeouts: { B: 40 } });
  const stuck: StuckEvent<'A' | 'B'>[] = [];
  machine.on('stuck', (e) => stuck.push(e));
  machine.transition('B', 'waiting for something');
  t.mock.timers.tick(39);
  assert.equal(stuck.length, 0);
  t.mock.timers.tick(1);
  assert.equal(stuck.length, 1);
  assert.deepEqual(stuck[0], { state: 'B', heldMs: 40, limitMs: 40, reason: 'waiting for something', since: 0 });
  t.mock.timers.tick(40);
  assert.equal(stuck.length, 2);
  assert.equal(stuck[1]!.heldMs, 80);
  machine.transition('A', 'done');
  // B's timer is gone; re-entering B restarts the clock.
  t.mock.timers.tick(100);
  assert.equal(stuck.length, 2);
  machine.transition('B', 'again');
  t.mock.timers.tick(30);
  machine.transition('A', 'quick');
  t.mock.timers.tick(100);
  assert.equal(stuck.length, 2);
  machine.dispose();
});
