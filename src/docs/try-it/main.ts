/**
 * The Try-it console of the reference page: a form made from the spec, checked as the reader types and again, with
 * the client's own pre-flight, before anything is sent; sent by the client's browser build to the server chosen when
 * the page loaded; the answer shown bounded (a head of its body, its images, the whole behind a save) and with the key
 * scrubbed from everything shown, with the request as curl.
 *
 * Redoc renders the "Try it" section (and removes it when the reader opens another); the console is built once, kept
 * in memory with what the reader entered, and put back into the section's placeholder whenever it appears.
 */
import type { RequestIssue } from '../../contract/issues.js';
import { imageField } from '../../contract/spec.js';
import { answerView } from './answer-view.js';
import { curlCommand } from './curl.js';
import { clear, el, prose } from './dom.js';
import { checkFields, fieldBlock, readFields, showIssues, type FieldControl } from './form.js';
import { imagePicker } from './image-picker.js';
import { TRY_IT_MOUNT_ID } from './names.js';
import { send } from './send.js';
import { currentServer, serverPanel } from './server-panel.js';
import { requestFields } from './spec-fields.js';
import { CONSOLE_CSS } from './style.js';

function buildConsole(server: string): HTMLElement {
  const panel = serverPanel(server);
  const controls: FieldControl[] = [];
  const lists = new Map<string, HTMLElement>();
  const others = el('ul', { class: 'orq-issues', 'data-field': '(request)' });
  const picker = imagePicker(() => void liveCheck());
  const blocks = requestFields.map((field) => {
    if (field.kind === 'file') {
      const issues = el('ul', { class: 'orq-issues', 'data-field': field.name, 'aria-live': 'polite' });
      lists.set(field.name, issues);
      const label = el('label', { for: `orq-try-${field.name}` }, el('code', {}, field.name), el('span', { class: 'orq-required' }, ' required'), el('span', { class: 'orq-limits' }, ` ${field.limits}`));
      return el('div', { class: 'orq-field orq-file' }, label, picker.element, el('p', { class: 'orq-description' }, ...prose(field.description)), issues);
    }
    const { block, control } = fieldBlock(field);
    controls.push(control);
    lists.set(field.name, control.issues);
    return block;
  });
  const form = el('form', { class: 'orq-form', novalidate: true }, ...blocks, others);
  const sendButton = el('button', { type: 'submit', class: 'orq-send' }, 'Send');
  const cancel = el('button', { type: 'button', class: 'orq-small', disabled: true }, 'Cancel');
  const status = el('p', { class: 'orq-state', 'aria-live': 'polite' });
  const answer = el('div', { class: 'orq-answer-slot' });
  form.append(el('div', { class: 'orq-row' }, sendButton, cancel), status);

  let typing = 0;
  async function liveCheck(): Promise<void> {
    const run = ++typing;
    const issues = [...checkFields(controls, false), ...(await picker.check()).filter((issue) => issue.message.indexOf('fewer than') < 0)];
    if (run === typing) showIssues(issues, lists, others);
  }
  form.addEventListener('input', () => void liveCheck());

  let inFlight: AbortController | undefined;
  cancel.addEventListener('click', () => inFlight?.abort());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (inFlight) return;
    // Said at once, before the checks (reading the images' first bytes is asynchronous): the state line never shows
    // the previous send's outcome as if it were this one's.
    status.textContent = 'Checking…';
    void (async () => {
      const apiKey = panel.apiKey();
      const issues: RequestIssue[] = [...checkFields(controls, true), ...(await picker.check())];
      if (apiKey === undefined) issues.push({ field: '(request)', message: 'needs an API key for this server (type it above)' });
      if (showIssues(issues, lists, others) > 0) {
        status.textContent = `Not sent: ${issues.length} problem${issues.length === 1 ? '' : 's'}, each shown at its field.`;
        return;
      }
      const request = { ...readFields(controls).fields, [imageField.name]: picker.files() };
      inFlight = new AbortController();
      sendButton.disabled = true;
      cancel.disabled = false;
      status.textContent = 'Sending…';
      clear(answer);
      try {
        const prefer = panel.prefer();
        const result = await send(request, { baseUrl: server, apiKey: apiKey!, signal: inFlight.signal, ...(prefer ? { prefer } : {}) });
        if (result.kind === 'refused') {
          showIssues(result.issues, lists, others);
          status.textContent = `Not sent: the client refused it (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}).`;
          return;
        }
        answer.append(await answerView(result, result.sent && curlCommand(result.sent), new URL(server).origin, apiKey!));
        // Said once the answer is on the page, so "Answered" means it can be read.
        status.textContent = result.answer ? `Answered ${result.answer.status}.` : 'No answer.';
      } finally {
        inFlight = undefined;
        sendButton.disabled = false;
        cancel.disabled = true;
      }
    })();
  });
  return el('div', { class: 'orq-console' }, el('style', {}, CONSOLE_CSS), panel.element, form, answer);
}

function start(): void {
  const server = currentServer();
  const root = server
    ? buildConsole(server)
    : el('p', { class: 'orq-console' }, 'The console is off: the page could not tell which server to send to (its address names no http(s) server).');
  const mount = () => {
    const place = document.getElementById(TRY_IT_MOUNT_ID);
    if (!place || place.contains(root)) return;
    clear(place);
    place.append(root);
  };
  mount();
  // Redoc renders sections as the reader moves around: put the console back whenever its section reappears.
  new MutationObserver(mount).observe(document.body, { childList: true, subtree: true });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
