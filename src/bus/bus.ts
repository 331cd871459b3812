import { EventEmitter } from 'eventemitter3';
import type { BusEvents } from './types.ts';

/** The one event bus of a run: producers emit, consumers subscribe, nobody knows anybody. */
export class Bus extends EventEmitter<BusEvents> {}

export type { BusEvents } from './types.ts';
