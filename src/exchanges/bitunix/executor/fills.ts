// What the executor has filled and not yet closed. The executor is meant never to hold a position
// ("no real fills"); when the market does fill one of its orders anyway, the filled quantity is
// closed at once, and this ledger is what makes that exact: per order, the filled quantity last
// seen (so a fill is counted once however often it is reported), and the total still open.
// Quantities are decimal strings on the wire; they are kept as integers of 1e-10 units so that
// 0.0001 + 0.0002 is exactly 0.0003.

const SCALE_DIGITS = 10;
const SCALE = 10 ** SCALE_DIGITS;

/** "0.0003" → 3_000_000 (units of 1e-10); undefined for anything that is not a plain decimal. */
function toUnits(qty: string | undefined): number | undefined {
  if (qty === undefined) return undefined;
  const m = /^\s*(\d+)(?:\.(\d+))?\s*$/.exec(qty);
  if (!m) return undefined;
  const frac = (m[2] ?? '').slice(0, SCALE_DIGITS).padEnd(SCALE_DIGITS, '0');
  const units = Number(m[1]) * SCALE + Number(frac);
  return Number.isSafeInteger(units) ? units : undefined;
}

function fromUnits(units: number): string {
  const whole = Math.floor(units / SCALE);
  const frac = String(units % SCALE).padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

export class FillLedger {
  /** orderId → filled units last seen. Entries leave once the order is finished and settled. */
  private readonly seen = new Map<string, number>();
  private openUnits = 0;
  private filledTotal = 0;
  private closedTotal = 0;

  /**
   * Records that `orderId` has `tradeQty` filled in total; returns the newly filled part (as a
   * decimal string) or undefined when nothing new filled.
   */
  note(orderId: string, tradeQty: string | undefined): string | undefined {
    const units = toUnits(tradeQty);
    if (units === undefined || units <= 0) return undefined;
    const before = this.seen.get(orderId) ?? 0;
    if (units <= before) return undefined;
    this.seen.set(orderId, units);
    const delta = units - before;
    this.openUnits += delta;
    this.filledTotal += delta;
    return fromUnits(delta);
  }

  /** The order is finished: no further fill can come, its entry is no longer needed. */
  settle(orderId: string): void {
    this.seen.delete(orderId);
  }

  /** Filled and not yet closed, as a decimal string ("0" when flat). */
  get open(): string {
    return fromUnits(this.openUnits);
  }

  get isFlat(): boolean {
    return this.openUnits <= 0;
  }

  /** `qty` of the open fills was closed (or found already gone). */
  closed(qty: string): void {
    const units = Math.min(this.openUnits, toUnits(qty) ?? 0);
    this.openUnits -= units;
    this.closedTotal += units;
  }

  totals(): { filled: string; closed: string; open: string } {
    return { filled: fromUnits(this.filledTotal), closed: fromUnits(this.closedTotal), open: this.open };
  }
}
