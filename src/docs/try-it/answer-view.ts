/**
 * The answer, whole: status, every header the server let the page read, the body (JSON pretty-printed), every
 * returned image rendered (b64_json as a data: URL; a url from the chosen server as an image, from elsewhere as a
 * link, since the page's policy loads images from that server only), and the request as curl.
 */
import { el } from './dom.js';
import type { Answer } from './send.js';

/** The media type of a returned image: the answer's `output_format`, else PNG. */
function mediaType(format: unknown): string {
  return typeof format === 'string' && /^(png|jpeg|jpg|webp)$/i.test(format) ? `image/${format.toLowerCase().replace('jpg', 'jpeg')}` : 'image/png';
}

function images(body: unknown, serverOrigin: string): HTMLElement | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const type = mediaType((body as { output_format?: unknown }).output_format);
  const items = data.map((item: { b64_json?: unknown; url?: unknown }, index) => {
    const caption = el('figcaption', {}, el('code', {}, `data[${index}]`));
    if (typeof item?.b64_json === 'string') {
      return el('figure', {}, el('img', { src: `data:${type};base64,${item.b64_json}`, alt: `data[${index}] (b64_json)` }), caption, ' b64_json');
    }
    if (typeof item?.url === 'string') {
      let origin = '';
      try {
        origin = new URL(item.url).origin;
      } catch {
        // not a URL: shown as text below
      }
      if (origin === serverOrigin) return el('figure', {}, el('img', { src: item.url, alt: `data[${index}] (url)` }), caption, ' url');
      return el(
        'figure',
        {},
        caption,
        ' url on another origin (this page loads images only from the chosen server): ',
        el('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer' }, item.url),
      );
    }
    return el('figure', {}, caption, ' neither b64_json nor url');
  });
  return el('div', { class: 'orq-images' }, ...items);
}

export function answerView(answer: Answer | undefined, error: Error | undefined, curl: string | undefined, serverOrigin: string): HTMLElement {
  const parts: (HTMLElement | undefined)[] = [];
  if (answer) {
    parts.push(el('p', { class: 'orq-status', 'data-status': answer.status }, el('strong', {}, `${answer.status}`), ` ${answer.statusText}`));
    parts.push(el('table', { class: 'orq-headers' }, ...answer.headers.map(([name, value]) => el('tr', {}, el('th', {}, name), el('td', {}, value)))));
    let body: unknown;
    let shown = answer.text;
    try {
      body = JSON.parse(answer.text);
      shown = JSON.stringify(body, null, 2);
    } catch {
      body = undefined;
    }
    parts.push(el('pre', { class: 'orq-body' }, shown + (answer.truncated ? '\n… (cut: the answer is longer than this page holds)' : '')));
    parts.push(images(body, serverOrigin));
  }
  if (error) parts.push(el('p', { class: 'orq-error' }, `${error.name}: ${error.message}`));
  if (curl) {
    const copy = el('button', { type: 'button', class: 'orq-small' }, 'Copy as curl');
    const pre = el('pre', { class: 'orq-curl' }, curl);
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(curl).then(
        () => (copy.textContent = 'Copied'),
        () => (copy.textContent = 'Select the text below to copy it'),
      );
    });
    parts.push(el('div', { class: 'orq-curl-block' }, copy, pre));
  }
  return el('div', { class: 'orq-answer' }, ...parts.filter((part): part is HTMLElement => part !== undefined));
}
