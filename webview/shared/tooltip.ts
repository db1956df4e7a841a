/** A styled tooltip (not the native `title`): one fixed-position box, kept inside the window. */
import { el } from './dom';

export class Tooltip {
  readonly element = el('div', { className: 'heatmap-tooltip', attrs: { role: 'tooltip' } });

  constructor(id: string) {
    this.element.id = id;
    this.element.hidden = true;
  }

  /** Shows the text near the point (client coordinates), flipped above it near the window's bottom. */
  show(text: string, x: number, y: number): void {
    this.element.textContent = text;
    this.element.hidden = false;
    const { width, height } = this.element.getBoundingClientRect();
    const left = Math.min(x + 12, window.innerWidth - width - 4);
    const top = y + 16 + height > window.innerHeight ? y - height - 8 : y + 16;
    this.element.style.left = `${Math.max(4, left)}px`;
    this.element.style.top = `${Math.max(4, top)}px`;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
