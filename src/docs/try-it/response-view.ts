/**
 * The response, bounded and scrubbed: status, every header the server let the page read, the body's size and a head of
 * it (JSON pretty-printed, long strings and lists shortened, their sizes said), every returned image rendered
 * (b64_json as a data: URL; a url from the chosen server as an image, from elsewhere as a link, since the
 * page's policy loads images from that server only), and the request as curl. The whole body is behind "Save".
 *
 * Bounded, because a body of tens of MiB put whole into one <pre> froze the page for seconds (20 MiB: 11-13 s).
 * Scrubbed, because a server may echo the key anywhere (a header, the JSON, a URL, a reason phrase): every text shown,
 * copied or saved goes through the redaction the client's errors go through (`redactText`).
 */
import { redactText } from '../../contract/redact.js';
import { el } from './dom.js';
import type { ReceivedResponse } from './send.js';

/** Characters of the body shown at first (the head); the rest is saved, not shown. */
const HEAD_CHARS = 64 * 1024;
/** A string longer than this is shown by its start and its length (a b64_json image is megabytes). */
const STRING_HEAD = 120;
/** Items of a list (fields of an object, images of `data`) shown before "… N more". */
const LIST_HEAD = 20;

/** The media type of a returned image: the response's `output_format`, else PNG. */
function mediaType(format: unknown): string {
  return typeof format === 'string' && /^(png|jpeg|jpg|webp)$/i.test(format)
    ? `image/${format.toLowerCase().replace('jpg', 'jpeg')}`
    : 'image/png';
}

const count = (n: number, what: string) => `${n.toLocaleString('en')} ${what}`;

/**
 * `value` pretty-printed as `JSON.stringify(value, null, 2)` would, but shortened (long strings to their start, long
 * lists and objects to their first LIST_HEAD entries, each with its size) and stopped once `budget` characters are
 * written: a head that shows the shape of the whole, at a cost bounded by the budget whatever the body's size.
 */
function jsonHead(value: unknown, budget = HEAD_CHARS): { text: string; complete: boolean } {
  let text = '';
  let whole = true;
  const put = (piece: string) => (text += piece).length < budget;
  const walk = (item: unknown, indent: string): boolean => {
    if (typeof item === 'string' && item.length > STRING_HEAD) {
      whole = false;
      return put(`${JSON.stringify(item.slice(0, STRING_HEAD))}… (${count(item.length, 'characters')})`);
    }
    if (item === null || typeof item !== 'object') return put(JSON.stringify(item) ?? 'null');
    const list = Array.isArray(item);
    const keys = list ? undefined : Object.keys(item);
    const total = list ? item.length : keys!.length;
    const shown = Math.min(total, LIST_HEAD);
    const inner = `${indent}  `;
    if (!put(list ? '[' : '{')) return false;
    for (let i = 0; i < shown; i++) {
      const key = list ? i : keys![i]!;
      if (!put(`${i === 0 ? '' : ','}\n${inner}${list ? '' : `${JSON.stringify(key)}: `}`)) return false;
      if (!walk((item as Record<string | number, unknown>)[key], inner)) return false;
    }
    if (total > shown) whole = false;
    if (total > shown && !put(`,\n${inner}… ${count(total - shown, list ? 'more items' : 'more fields')}`))
      return false;
    return put(`${total > 0 ? `\n${indent}` : ''}${list ? ']' : '}'}`);
  };
  const complete = walk(value, '') && whole;
  return { text: text.slice(0, budget), complete };
}

function images(body: unknown, serverOrigin: string, scrub: (text: string) => string): HTMLElement | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const type = mediaType((body as { output_format?: unknown }).output_format);
  const items: HTMLElement[] = [];
  for (const [index, item] of data.slice(0, LIST_HEAD).entries() as Iterable<
    [number, { b64_json?: unknown; url?: unknown } | null]
  >) {
    const caption = el('figcaption', {}, el('code', {}, `data[${index}]`));
    if (typeof item?.b64_json === 'string') {
      // Decoded by the browser, off the page's thread: the page only hands over the text.
      items.push(
        el(
          'figure',
          {},
          el('img', { src: `data:${type};base64,${item.b64_json}`, alt: `data[${index}] (b64_json)` }),
          caption,
          ` b64_json, ${count(item.b64_json.length, 'characters')}`,
        ),
      );
    } else if (typeof item?.url === 'string') {
      const shown = scrub(item.url);
      let origin = '';
      try {
        origin = new URL(item.url).origin;
      } catch {
        // not a URL: shown as text below
      }
      // A URL that carries the key is neither loaded nor linked: only its scrubbed text is shown.
      if (shown !== item.url || !origin)
        items.push(el('figure', {}, caption, ' url, not loaded: ', el('code', {}, shown)));
      else if (origin === serverOrigin)
        items.push(el('figure', {}, el('img', { src: item.url, alt: `data[${index}] (url)` }), caption, ' url'));
      else {
        items.push(
          el(
            'figure',
            {},
            caption,
            ' url on another origin (this page loads images only from the chosen server): ',
            el('a', { href: item.url, target: '_blank', rel: 'noopener noreferrer' }, item.url),
          ),
        );
      }
    } else items.push(el('figure', {}, caption, ' neither b64_json nor url'));
  }
  if (data.length > LIST_HEAD)
    items.push(el('p', {}, `… ${count(data.length - LIST_HEAD, 'more items')} in data (saved with the body)`));
  return el('div', { class: 'orq-images' }, ...items);
}

/** The body to save: as it arrived, or (when it holds the key) its text with the key redacted. */
async function savedBody(body: Blob, scrub: (text: string) => string): Promise<Blob> {
  const text = await body.text();
  const scrubbed = scrub(text);
  return scrubbed === text ? body : new Blob([scrubbed], { type: body.type });
}

function saveButton(response: ReceivedResponse, scrub: (text: string) => string): HTMLElement {
  const button = el('button', { type: 'button', class: 'orq-small orq-save' }, 'Save the body');
  const extension = /json/i.test(response.body.type) ? 'json' : 'txt';
  button.addEventListener('click', () => {
    void savedBody(response.body, scrub).then((whole) => {
      const url = URL.createObjectURL(whole);
      const link = el('a', { href: url, download: `response-${response.status}.${extension}`, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      // The download has started from the URL by then; a minute is ample.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    });
  });
  return button;
}

export interface ShownResult {
  response: ReceivedResponse | undefined;
  /** The body as the client parsed it (send.ts). */
  parsed?: unknown;
  error?: Error | undefined;
}

export async function responseView(
  { response, parsed, error }: ShownResult,
  curl: string | undefined,
  serverOrigin: string,
  secret: string,
): Promise<HTMLElement> {
  const scrub = (text: string) => redactText(text, secret);
  const parts: (HTMLElement | undefined)[] = [];
  if (response) {
    const { body: bytes, truncated } = response;
    parts.push(
      el(
        'p',
        { class: 'orq-status', 'data-status': response.status },
        el('strong', {}, `${response.status}`),
        ` ${scrub(response.statusText)}`,
      ),
    );
    parts.push(
      el(
        'table',
        { class: 'orq-headers' },
        ...response.headers.map(([name, value]) => el('tr', {}, el('th', {}, scrub(name)), el('td', {}, scrub(value)))),
      ),
    );
    const size = `${count(bytes.size, 'bytes')}${truncated ? ' read (the rest was not: more than this page reads)' : ''}`;
    parts.push(
      el(
        'p',
        { class: 'orq-size', 'data-bytes': bytes.size },
        `Body: ${size} `,
        bytes.size > 0 ? saveButton(response, scrub) : undefined,
      ),
    );
    // The client's parse of the body when it read it whole (JSON as a value, else its text); otherwise its head.
    const head =
      parsed !== undefined && typeof parsed !== 'string'
        ? jsonHead(parsed)
        : typeof parsed === 'string'
          ? { text: parsed.slice(0, HEAD_CHARS), complete: parsed.length <= HEAD_CHARS }
          : {
              text: (await bytes.slice(0, HEAD_CHARS * 4).text()).slice(0, HEAD_CHARS),
              complete: !truncated && bytes.size <= HEAD_CHARS,
            };
    const rest = head.complete ? '' : `\n… (a head of the body: Save for the whole ${count(bytes.size, 'bytes')})`;
    parts.push(el('pre', { class: 'orq-body' }, scrub(head.text) + rest));
    parts.push(images(parsed, serverOrigin, scrub));
  }
  if (error) parts.push(el('p', { class: 'orq-error' }, scrub(`${error.name}: ${error.message}`)));
  if (curl) {
    const command = scrub(curl);
    const copy = el('button', { type: 'button', class: 'orq-small' }, 'Copy as curl');
    const pre = el('pre', { class: 'orq-curl' }, command);
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(command).then(
        () => (copy.textContent = 'Copied'),
        () => (copy.textContent = 'Select the text below to copy it'),
      );
    });
    parts.push(el('div', { class: 'orq-curl-block' }, copy, pre));
  }
  return el('div', { class: 'orq-response' }, ...parts.filter((part): part is HTMLElement => part !== undefined));
}
