// @binance/connector ships no types; the part of its API the trust corpus uses.
declare module '@binance/connector' {
  export class WebsocketStream {
    constructor(options: { wsURL?: string; logger?: unknown; callbacks?: { message?: (data: string) => void; open?: () => void; close?: () => void } });
    trade(symbol: string): void;
    disconnect(): void;
  }
}
