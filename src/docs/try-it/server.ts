/**
 * Where the console sends, with what key, and which response it asks the mock for. The server was fixed when the page
 * loaded (the page's policy allows connecting to it alone; see src/docs/page.ts); choosing another reloads the
 * page with it in the query string. The key is read from a password field when a request is sent and kept nowhere
 * else: not in the URL, not in storage, not in the page's text.
 */
import { PREFER_KEYS, type PreferValue } from '../../contract/mock-prefer.js';
import { wireContract } from '../../contract/spec.js';
import { el } from './dom.js';

/* The names the page's boot script (src/docs/page.ts, at build time) and the console (in the page) share. */

/** The query parameter that names the Try-it server (a base URL; the key is never in the URL). */
export const TRY_IT_SERVER_PARAM = 'try-it-server';

/** The global the boot script leaves for the console: the chosen base URL, or null. */
export const TRY_IT_SERVER_GLOBAL = '__orqTryItServer';

/** The element the console mounts into, in place of the spec's `<!-- try-it ... -->` marker. */
export const TRY_IT_MOUNT_ID = 'orq-try-it';

/** The key sent to a local mock when the reader types none (the mock takes any bearer token). */
const MOCK_KEY = 'any-key';

/** The server chosen when the page loaded, or null when none could be (the console then sends nothing). */
export function currentServer(): string | null {
  const value = (window as unknown as Record<string, unknown>)[TRY_IT_SERVER_GLOBAL];
  return typeof value === 'string' ? value : null;
}

/** A server on this machine, or the one that served the page (the mock at /docs): a mock, where presets apply. */
function isLocalMock(base: string): boolean {
  const url = new URL(base);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || url.origin === location.origin;
}

/** `Prefer` values the mock understands, each key's presets (src/contract/mock-prefer.ts) after "none". */
function preferPresets(): PreferValue[] {
  return [
    { value: '', what: 'none: the mock makes its response from the request' },
    ...Object.values(PREFER_KEYS).flatMap((key) => key.presets?.() ?? []),
  ];
}

export interface ServerPanel {
  element: HTMLElement;
  /** The key to send: the typed one, else a placeholder for a local mock; undefined when one is needed and missing. */
  apiKey(): string | undefined;
  prefer(): string;
}

export function serverPanel(server: string): ServerPanel {
  const choices = [
    ...new Set(
      [/^https?:$/.test(location.protocol) ? location.origin : undefined, ...wireContract.servers, server].filter(
        (url): url is string => !!url,
      ),
    ),
  ];
  const select = el(
    'select',
    { id: 'orq-try-server' },
    ...choices.map((url) => el('option', { value: url, selected: url === server }, url)),
    el('option', { value: '' }, 'another base URL…'),
  );
  const other = el('input', { type: 'url', id: 'orq-try-server-other', placeholder: 'https://…', hidden: true });
  const use = el('button', { type: 'button', class: 'orq-small' }, 'Use this server (reloads the page)');
  select.addEventListener('change', () => (other.hidden = select.value !== ''));
  use.addEventListener('click', () => {
    const chosen = select.value || other.value.trim();
    if (!chosen) return;
    const next = new URL(location.href);
    next.searchParams.set(TRY_IT_SERVER_PARAM, chosen);
    next.hash = '#/try-it';
    location.assign(next.href);
  });

  const key = el('input', {
    type: 'password',
    id: 'orq-try-key',
    autocomplete: 'off',
    spellcheck: false,
    placeholder: isLocalMock(server) ? 'not needed for the mock' : 'your Orq API key',
  });
  const presets = preferPresets();
  const preset = el(
    'select',
    { id: 'orq-try-prefer-preset' },
    ...presets.map(({ value, what }) => el('option', { value }, value ? `${value}: ${what}` : what)),
  );
  const prefer = el('input', {
    type: 'text',
    id: 'orq-try-prefer',
    placeholder: 'e.g. code=429, delay=3000',
    spellcheck: false,
  });
  preset.addEventListener('change', () => (prefer.value = preset.value));

  // A server named by the link itself could be anyone's: say so before a key is typed for it.
  const fromLink = new URLSearchParams(location.search).has(TRY_IT_SERVER_PARAM) && !isLocalMock(server);
  const element = el(
    'div',
    { class: 'orq-server' },
    el(
      'p',
      {},
      'Sends to ',
      el('code', { class: 'orq-current-server' }, server),
      ': the only server this page may connect to.',
    ),
    fromLink
      ? el(
          'p',
          { class: 'orq-error' },
          'This server was named by the link that opened the page: make sure it is one you trust before typing a key.',
        )
      : undefined,
    el('label', { for: select.id }, 'Server'),
    el('div', { class: 'orq-row' }, select, other, use),
    el('label', { for: key.id }, 'API key'),
    key,
    el(
      'p',
      { class: 'orq-description' },
      'Kept in this page’s memory only, sent only as Authorization: Bearer, shown nowhere (not in the URL, storage or the curl below).',
    ),
    ...(isLocalMock(server)
      ? [
          el('label', { for: preset.id }, 'Mock response (Prefer header)'),
          preset,
          prefer,
          el(
            'p',
            { class: 'orq-description' },
            'The mock responds with what Prefer asks for; Orq’s service ignores it.',
          ),
        ]
      : []),
  );
  return {
    element,
    apiKey: () => key.value || (isLocalMock(server) ? MOCK_KEY : undefined),
    prefer: () => (isLocalMock(server) ? prefer.value.trim() : ''),
  };
}
