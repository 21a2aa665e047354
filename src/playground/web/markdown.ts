/**
 * The markdown subset Teams renders in a TextBlock: **bold**, _italic_ / *italic*, [links](https://…),
 * line breaks, and `<at>Name</at>` mentions. Everything else is shown literally: the text is escaped
 * first, so markup in a card never becomes HTML.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Renders a TextBlock's text to HTML (safe to assign to innerHTML). */
export function markdownToHtml(text: string): string {
  let html = escapeHtml(text);
  html = html.replace(/&lt;at&gt;([^&]{1,200}?)&lt;\/at&gt;/g, '<span class="mention">$1</span>');
  html = html.replace(/\[([^\]\n]{1,500})\]\((https?:\/\/[^\s)]{1,2000})\)/g, (_m, label: string, href: string) =>
    `<a href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>`);
  html = html.replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>');
  html = html.replace(/(^|[\s(])_([^_\n]+?)_(?=[\s).,!?;:]|$)/g, '$1<em>$2</em>');
  html = html.replace(/(^|[\s(])\*([^*\n]+?)\*(?=[\s).,!?;:]|$)/g, '$1<em>$2</em>');
  return html.replace(/\r?\n/g, '<br>');
}

