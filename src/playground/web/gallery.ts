/**
 * The card gallery (`/?view=gallery`): one card at a time in a Teams-like message, rendered exactly as
 * the playground renders the bot's cards. Tests and the screenshot script drive it through
 * `window.mfabotGallery`; clicks are recorded, not sent.
 */
import type { CardActionRequest } from './render';
import { renderCard } from './render';
import { h } from './dom';

export interface GalleryApi {
  /** Shows `card` (replacing the previous one); answers what the renderer reported. */
  show(card: unknown, caption?: string): { warnings: string[]; parsedTypes: string[] };
  /** Clicks recorded since the last `show`. */
  clicks: CardActionRequest[];
}

declare global {
  interface Window {
    mfabotGallery?: GalleryApi;
  }
}

/** Shows the gallery in `root` and exposes `window.mfabotGallery`. */
export function startGallery(root: HTMLElement): void {
  const stage = h('div', { class: 'gallery-stage', 'data-testid': 'gallery' });
  root.replaceChildren(h('main', { class: 'gallery' }, stage));
  root.removeAttribute('aria-busy');
  const api: GalleryApi = {
    clicks: [],
    show(card, caption) {
      api.clicks = [];
      const rendered = renderCard(card, (request) => api.clicks.push(request));
      const host = h('div', { class: 'card-host', 'data-testid': 'card' }, rendered.element);
      stage.replaceChildren(
        h('div', { class: 'message from-bot', 'data-testid': 'message' },
          h('div', { class: 'avatar bot', 'aria-hidden': 'true' }, 'MB'),
          h('div', { class: 'message-body' },
            h('div', { class: 'message-meta' }, h('span', { class: 'author' }, 'MfaBot'), caption ? h('span', { class: 'caption' }, caption) : null),
            host)),
      );
      return { warnings: rendered.warnings, parsedTypes: rendered.parsedTypes };
    },
  };
  window.mfabotGallery = api;
  document.body.dataset.ready = 'true';
}
