/**
 * What each panel's screen says, decided in the agent: the question (naming the employee on duty), a
 * "thank you" for a while after a committed press, and a discreet indicator while presses cannot be
 * stored or the kiosk has been offline for long. LCD panels get laid-out frames (drawn by the board
 * child); screen panels get the same state as data (the local page).
 */
import { EventEmitter } from 'node:events';
import type { KioskTexts, Panel } from '../../../shared/src/contract.js';
import { layoutPages, type LcdFrame } from './layout.js';
import { SYMBOL_GLYPHS, type Rom } from './rom.js';
import { lcdSize } from './lcd-size.js';

export type Indicator = 'notStored' | 'offline' | undefined;

/** The panel's question: `questionOnDuty` with the name when someone is on duty, else `question`. */
export function questionOf(panel: Panel): { text: string; name?: string } {
  const name = panel.duty?.name;
  if (name && panel.questionOnDuty) return { text: panel.questionOnDuty.replaceAll('{name}', name), name };
  return { text: panel.question ?? '' };
}

/** The state a screen shows; the local page renders it, the LCD gets it laid out. */
export interface FaceState {
  panel: string;
  question: string;
  name?: string;
  thanks: boolean;
  indicator: Indicator;
  /** The screen shows the three buttons itself (display.touch). */
  touch: boolean;
  /** After a bad press: "why?" and the options, until answered or timed out (reason-step.ts). */
  asking?: { question: string; options: { id: string; label: string }[] };
  texts: KioskTexts | undefined;
}

export interface PanelFacesOptions {
  draw: (panel: string, frame: LcdFrame) => void;
  pageMs: number;
  thanksMs: number;
}

interface Face {
  panel: Panel;
  page: number;
  thanksUntil: number;
  asking?: { id: string; label: string }[];
  pageTimer?: NodeJS.Timeout;
  thanksTimer?: NodeJS.Timeout;
  drawn?: string;
}

export class PanelFaces extends EventEmitter<{ change: [FaceState] }> {
  private faces = new Map<string, Face>();
  private texts: KioskTexts | undefined;
  private indicator: Indicator;

  constructor(private readonly opts: PanelFacesOptions) {
    super();
  }

  /** New panels or texts (the gateway's config): every screen is redrawn from its first page. */
  configure(panels: readonly Panel[], texts: KioskTexts | undefined): void {
    this.stop();
    this.texts = texts;
    for (const panel of panels) if (panel.display) this.faces.set(panel.id, { panel, page: 0, thanksUntil: 0 });
    for (const id of this.faces.keys()) this.refresh(id);
  }

  thank(panelId: string): void {
    const face = this.faces.get(panelId);
    if (!face) return;
    clearTimeout(face.thanksTimer);
    face.thanksUntil = Date.now() + this.opts.thanksMs;
    face.thanksTimer = setTimeout(() => {
      face.thanksUntil = 0;
      face.page = 0;
      this.refresh(panelId);
    }, this.opts.thanksMs);
    this.refresh(panelId);
  }

  setAsking(panelId: string, options: { id: string; label: string }[] | undefined): void {
    const face = this.faces.get(panelId);
    if (!face) return;
    face.asking = options;
    face.page = 0;
    this.refresh(panelId);
  }

  setIndicator(indicator: Indicator): void {
    if (indicator === this.indicator) return;
    this.indicator = indicator;
    for (const id of this.faces.keys()) this.refresh(id);
  }

  state(panelId: string): FaceState | undefined {
    const face = this.faces.get(panelId);
    if (!face) return undefined;
    const { text, name } = questionOf(face.panel);
    return {
      panel: panelId,
      question: text,
      ...(name ? { name } : {}),
      thanks: face.thanksUntil > 0,
      indicator: this.indicator,
      touch: face.panel.display?.kind === 'screen' && face.panel.display.touch === true,
      ...(face.asking ? { asking: { question: this.texts?.whyQuestion || '?', options: face.asking } } : {}),
      texts: this.texts,
    };
  }

  states(): FaceState[] {
    return [...this.faces.keys()].map((id) => this.state(id)!);
  }

  private frames(face: Face, state: FaceState): LcdFrame[] {
    const display = face.panel.display!;
    const { cols, rows } = lcdSize(display);
    const rom: Rom = display.rom ?? 'A00';
    if (state.asking) {
      // Numbered as the reason buttons are wired (reasons.pins in option order).
      const options = state.asking.options.map((o, i) => `${i + 1} ${o.label}`).join(' ');
      return layoutPages(`${state.asking.question} ${options}`, { cols, rows, rom, indicator: state.indicator });
    }
    if (state.thanks) return layoutPages(this.texts?.thanks || SYMBOL_GLYPHS.thanks.char, { cols, rows, rom, center: true });
    return layoutPages(state.question, { cols, rows, rom, first: state.name, indicator: state.indicator });
  }

  private refresh(panelId: string): void {
    const face = this.faces.get(panelId)!;
    clearTimeout(face.pageTimer);
    const state = this.state(panelId)!;
    this.emit('change', state);
    if (face.panel.display!.kind === 'screen') return;
    const frames = this.frames(face, state);
    const frame = frames[face.page % frames.length]!;
    const key = JSON.stringify(frame);
    if (key !== face.drawn) this.opts.draw(panelId, frame);
    face.drawn = key;
    if (frames.length > 1 && (state.asking || !state.thanks)) {
      // Paging, not a marquee: a page holds still long enough to be read, and costs one redraw.
      face.pageTimer = setTimeout(() => {
        face.page = (face.page + 1) % frames.length;
        this.refresh(panelId);
      }, this.opts.pageMs);
    }
  }

  stop(): void {
    for (const face of this.faces.values()) {
      clearTimeout(face.pageTimer);
      clearTimeout(face.thanksTimer);
    }
    this.faces.clear();
  }
}
