import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Market } from '../../src/sim/bitunix/market.ts';
import { Account, type AccountEvent } from '../../src/sim/bitunix/orders.ts';

function setup(historyLimit?: number) {
  const market = new Market(1, ['BTCUSDT', 'ETHUSDT']);
  const events: AccountEvent[] = [];
  const account = new Account(market, () => 1_700_000_000_000, (e) => events.push(e), historyLimit);
  const bid = () => market.bidTicks('BTCUSDT') / 10;
  const ask = () => market.askTicks('BTCUSDT') / 10;
  const px = (n: number) => n.toFixed(1);
  const place = (extra: Record<string, unknown>) =>
    account.place({ symbol: 'BTCUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '0.01', price: px(bid()), ...extra });
  const orderEvents = () => events.filter((e) => e.ch === 'order').map((e) => `${e.event}:${e.ch === 'order' ? e.order.status : ''}`);
  return { market, account, events, bid, ask, px, place, orderEvents };
}

describe('Bitunix simulator account', () => {
  test('a limit order at the bid rests and pushes CREATE', () => {
    const { account, place, orderEvents } = setup();
    const r = place({ clientId: 'c1' });
    assert.ok(r.ok);
    assert.equal(account.openCount, 1);
    assert.deepEqual(orderEvents(), ['CREATE:NEW']);
  });

  test('a crossing GTC fills at once as taker, at the ask', () => {
    const { account, place, ask, px, events, orderEvents } = setup();
    const r = place({ price: px(ask() + 5) });
    assert.ok(r.ok);
    assert.deepEqual(orderEvents(), ['CREATE:NEW', 'CLOSE:FILLED']);
    const closed = events.find((e) => e.ch === 'order' && e.event === 'CLOSE');
    assert.ok(closed && closed.ch === 'order');
    assert.equal(closed.order.avgTicks / 10, ask());
    assert.equal(account.counters.filled, 1);
    const pos = events.find((e) => e.ch === 'position');
    assert.ok(pos && pos.ch === 'position' && pos.event === 'OPEN' && pos.position.side === 'LONG');
  });

  test('a crossing POST_ONLY is accepted then cancelled by the system', () => {
    const { account, place, ask, px, orderEvents } = setup();
    const r = place({ price: px(ask()), effect: 'POST_ONLY' });
    assert.ok(r.ok, 'the REST call itself succeeds');
    assert.deepEqual(orderEvents(), ['CREATE:NEW', 'CLOSE:CANCELED']);
    assert.equal(account.openCount, 0);
    assert.equal(account.counters.expired, 1);
  });

  test('IOC and FOK that do not cross expire; that cross fill', () => {
    const { place, ask, px, orderEvents } = setup();
    assert.ok(place({ effect: 'IOC' }).ok);
    assert.ok(place({ effect: 'FOK' }).ok);
    assert.ok(place({ effect: 'IOC', price: px(ask()) }).ok);
    assert.deepEqual(orderEvents(), ['CREATE:NEW', 'CLOSE:CANCELED', 'CREATE:NEW', 'CLOSE:CANCELED', 'CREATE:NEW', 'CLOSE:FILLED']);
  });

  test('a resting buy fills when the walk brings the ask down to it, at its own price', () => {
    const { market, account, place, bid, px, events } = setup();
    const price = bid() - 0.5;
    assert.ok(place({ price: px(price) }).ok);
    let steps = 0;
    while (account.openCount > 0 && steps < 100_000) {
      market.step();
      account.onPrices();
      steps++;
    }
    assert.equal(account.openCount, 0, `still open after ${steps} steps`);
    const fill = events.find((e) => e.ch === 'order' && e.event === 'CLOSE');
    assert.ok(fill && fill.ch === 'order');
    assert.equal(fill.order.status, 'FILLED');
    assert.equal(fill.order.avgTicks / 10, price);
  });

  test('hedge mode: tradeSide is required; CLOSE needs the position it closes (BUY+CLOSE closes LONG)', () => {
    const { account, place, ask, bid, px } = setup();
    const noSide = account.place({ symbol: 'BTCUSDT', side: 'BUY', orderType: 'LIMIT', qty: '0.01', price: px(bid()) });
    assert.ok(!noSide.ok && noSide.code === 10002);
    const noId = place({ tradeSide: 'CLOSE' });
    assert.ok(!noId.ok && noId.code === 10002);
    assert.ok(place({ price: px(ask()) }).ok); // opens a LONG
    const long = account.openPositions({})[0]!;
    assert.equal(long.side, 'LONG');
    const wrongSide = place({ side: 'SELL', tradeSide: 'CLOSE', positionId: long.positionId, price: px(ask() + 10) });
    assert.ok(!wrongSide.ok && wrongSide.code === 30004, 'SELL+CLOSE names the SHORT position, which does not exist');
    // BUY+CLOSE sells the long: above the ask it rests (a buy there would have crossed)...
    const resting = place({ side: 'BUY', tradeSide: 'CLOSE', positionId: long.positionId, price: px(ask() + 10) });
    assert.ok(resting.ok);
    assert.equal(account.openCount, 1);
    assert.equal(account.openPositions({}).length, 1);
    // ...and at the bid it crosses and closes the position.
    const close = place({ side: 'BUY', tradeSide: 'CLOSE', positionId: long.positionId, price: px(bid()) });
    assert.ok(close.ok);
    assert.equal(account.openPositions({}).length, 0);
  });

  test('validation codes: unknown symbol, precision, qty too small, price band, duplicate clientId', () => {
    const { account, place, bid, px } = setup();
    const codeOf = (r: ReturnType<typeof place>) => (r.ok ? 0 : r.code);
    assert.equal(codeOf(account.place({ symbol: 'DOGEUSDT', side: 'BUY', tradeSide: 'OPEN', orderType: 'LIMIT', qty: '1', price: '1' })), 20001);
    assert.equal(codeOf(place({ price: `${px(bid())}5` })), 10002);
    assert.equal(codeOf(place({ qty: '0.00001' })), 10002);
    assert.equal(codeOf(place({ qty: '0' })), 30016);
    assert.equal(codeOf(place({ price: px(bid() * 1.05) })), 30014);
    assert.equal(codeOf(place({ side: 'SELL', price: px(bid() * 0.95) })), 30015);
    assert.equal(codeOf(place({ effect: 'GTD' })), 10002);
    assert.equal(codeOf(place({ clientId: 'dup' })), 0);
    assert.equal(codeOf(place({ clientId: 'dup' })), 30042);
    assert.equal(account.counters.rejected, 8);
  });

  test('modify needs qty and price, pushes UPDATE, and a crossing modify of a POST_ONLY cancels it', () => {
    const { account, place, ask, bid, px, orderEvents } = setup();
    const r = place({ effect: 'POST_ONLY', clientId: 'm1' });
    assert.ok(r.ok);
    const missing = account.modify({ orderId: r.data.orderId, price: px(bid() - 1) });
    assert.ok(!missing.ok && missing.code === 10002);
    assert.ok(account.modify({ clientId: 'm1', qty: '0.02', price: px(bid() - 1) }).ok);
    assert.ok(account.modify({ orderId: r.data.orderId, qty: '0.02', price: px(ask()) }).ok);
    assert.deepEqual(orderEvents(), ['CREATE:NEW', 'UPDATE:NEW', 'UPDATE:NEW', 'CLOSE:CANCELED']);
    const again = account.modify({ orderId: r.data.orderId, qty: '0.02', price: px(bid()) });
    assert.ok(!again.ok && again.code === 30011);
    const unknown = account.modify({ orderId: '42', qty: '0.02', price: px(bid()) });
    assert.ok(!unknown.ok && unknown.code === 20007);
  });

  test('cancel reports success and failure per order', () => {
    const { account, place } = setup();
    const a = place({});
    assert.ok(a.ok);
    const r = account.cancel({ symbol: 'BTCUSDT', orderList: [{ orderId: a.data.orderId }, { orderId: '999' }, { clientId: 'nope' }] });
    assert.ok(r.ok);
    assert.deepEqual(r.data.successList, [{ orderId: a.data.orderId, clientId: '' }]);
    assert.deepEqual(r.data.failureList.map((f) => f.errorCode), ['20007', '20007']);
    const twice = account.cancel({ symbol: 'BTCUSDT', orderList: [{ orderId: a.data.orderId }] });
    assert.ok(twice.ok && twice.data.failureList[0]!.errorCode === '30011');
  });

  test('position mode: change blocked by open orders, positions or the lock', () => {
    const { account, place } = setup();
    assert.ok(account.changePositionMode({ positionMode: 'ONE_WAY' }).ok);
    assert.ok(account.changePositionMode({ positionMode: 'HEDGE' }).ok);
    assert.ok(place({}).ok);
    const blocked = account.changePositionMode({ positionMode: 'ONE_WAY' });
    assert.ok(!blocked.ok && blocked.code === 20009);
    account.cancelAll({});
    account.setMode('HEDGE', true);
    const locked = account.changePositionMode({ positionMode: 'ONE_WAY' });
    assert.ok(!locked.ok && locked.code === 20009);
  });

  test('one-way mode nets positions and checks reduce-only', () => {
    const { account, ask, bid, px } = setup();
    account.setMode('ONE_WAY', false);
    const order = (side: string, price: number, extra: Record<string, unknown> = {}) =>
      account.place({ symbol: 'BTCUSDT', side, orderType: 'LIMIT', qty: '0.01', price: px(price), ...extra });
    const noPos = order('SELL', bid(), { reduceOnly: true });
    assert.ok(!noPos.ok && noPos.code === 30018);
    assert.ok(order('BUY', ask()).ok);
    assert.equal(account.openPositions({})[0]!.side, 'LONG');
    const same = order('BUY', bid(), { reduceOnly: true });
    assert.ok(!same.ok && same.code === 30019);
    assert.ok(order('SELL', bid(), { reduceOnly: true }).ok);
    assert.equal(account.openPositions({}).length, 0);
  });

  test('terminal orders are kept in a bounded history; forgotten ones answer 20007', () => {
    const { account, place } = setup(5);
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const r = place({ clientId: `h${i}` });
      assert.ok(r.ok);
      ids.push(r.data.orderId);
      account.cancelBySystem(r.data.orderId);
    }
    assert.equal(account.snapshot().history.length, 5);
    const evicted = account.detail({ orderId: ids[0] });
    assert.ok(!evicted.ok && evicted.code === 20007);
    assert.ok(place({ clientId: 'h0' }).ok, 'an evicted clientId is free again');
    account.forget(ids[7]!);
    const gone = account.detail({ orderId: ids[7] });
    assert.ok(!gone.ok && gone.code === 20007);
    const pending = account.pending({ orderId: ids[7] });
    assert.ok(!pending.ok && pending.code === 20007);
  });
});
