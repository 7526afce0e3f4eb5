/** IPC messages between the agent and its board child process. */
import type { Button, Panel } from '../../shared/src/index.js';
import type { LedPattern } from './pins.js';
import type { LcdFrame } from './display/layout.js';

export type ToBoardChild =
  | { type: 'start'; board: string; panels: Panel[]; plugged: boolean }
  | { type: 'led'; panel: string; button: Button; pattern: LedPattern }
  | { type: 'lcd'; panel: string; frame: LcdFrame } // what the panel's character LCD shows now
  | { type: 'pin'; pin: number; level: 0 | 1 } // virtual board only: a wire changes an input
  | { type: 'unplug' } // virtual board only
  | { type: 'stop' };

export type FromBoardChild =
  | { type: 'ready'; kind: string }
  | { type: 'press'; panel: string; button: Button }
  | { type: 'reason'; panel: string; index: number } // a reason button (Panel.reasons.pins[index])
  | { type: 'ignored'; panel: string; button: Button } // a release not counted (panel-board.ts)
  | { type: 'disconnected'; reason: string }; // lost, or not there yet (the child then waits for it)
