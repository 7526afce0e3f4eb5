/**
 * Board child process: owns the johnny-five Board. An unplugged USB board cannot be reopened inside
 * the same process, so the agent runs the board here and restarts this process instead.
 */
import type { FromBoardChild, ToBoardChild } from './board-protocol.js';
import { openIO } from './board-io.js';
import { PanelBoard } from './panel-board.js';
import { VirtualIO } from './virtual-io.js';
import type { LcdFrame } from './display/layout.js';

let board: PanelBoard | undefined;
/** LCD frames that arrive while the board is being opened: drawn once it is. */
const frames = new Map<string, LcdFrame>();
let io: unknown;

function send(message: FromBoardChild): void {
  process.send?.(message);
}

let exiting = false;

/** One lost board is one message, whichever of the port's error/close/disconnect events comes first. */
function lost(reason: string): void {
  if (exiting) return;
  exiting = true;
  send({ type: 'disconnected', reason });
  setImmediate(() => process.exit(1)); // give the IPC message a turn to leave
}

async function start(message: Extract<ToBoardChild, { type: 'start' }>): Promise<void> {
  // A serial board that is not plugged in yet is waited for here, so it opens as soon as it appears.
  const opened = await openIO(message.board, message.plugged, (reason) => send({ type: 'disconnected', reason }));
  io = opened.io;
  if (io instanceof VirtualIO) {
    // Idle level of inputs on circuits without the internal pull-up but inverted (external pull-up).
    for (const panel of message.panels) {
      if (panel.invert && !panel.pullup) for (const pin of Object.values(panel.pins)) io.setInput(pin, 1);
    }
  }
  board = new PanelBoard(opened.io, message.panels);
  board.on('ready', () => send({ type: 'ready', kind: opened.kind }));
  board.on('press', (panel, button) => send({ type: 'press', panel, button }));
  board.on('reason', (panel, index) => send({ type: 'reason', panel, index }));
  board.on('ignored', (panel, button) => send({ type: 'ignored', panel, button }));
  board.on('disconnect', lost);
  for (const [panel, frame] of frames) board.draw(panel, frame);
  board.start();
}

process.on('message', (message: ToBoardChild) => {
  switch (message.type) {
    case 'start':
      start(message).catch((err: Error) => lost(err.message));
      break;
    case 'led':
      board?.show(message.panel, message.button, message.pattern);
      break;
    case 'lcd':
      frames.set(message.panel, message.frame);
      board?.draw(message.panel, message.frame);
      break;
    case 'pin':
      if (io instanceof VirtualIO) io.setInput(message.pin, message.level);
      break;
    case 'unplug':
      if (io instanceof VirtualIO) io.unplug();
      break;
    case 'stop':
      board?.stop();
      process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0)); // the agent is gone
process.on('SIGINT', () => undefined); // Ctrl-C reaches the whole process group: the agent decides
