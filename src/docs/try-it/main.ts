/**
 * The Try-it console of the reference page: a form made from the spec, checked as the reader types and again, with
 * the client's own pre-flight, before anything is sent; sent by the client's browser build to the server chosen when
 * the page loaded; the response shown bounded (a head of its body, its images, the whole behind a save) and with the key
 * scrubbed from everything shown, with the request as curl.
 *
 * Redoc renders the "Try it" section (and removes it when the reader opens another); the console is built once, kept
 * in memory with what the reader entered, and put back into the section's placeholder whenever it appears.
 */
import type { RequestIssue } from '../../contract/issues.js';
import { imageField } from '../../contract/spec.js';
import { clear, el } from './dom.js';
import {
  checkFields,
  fieldBlock,
  imagePicker,
  readFields,
  requestFields,
  showIssues,
  type FieldControl,
} from './form.js';
import { responseView } from './response-view.js';
import { curlCommand, send } from './send.js';
import { currentServer, serverPanel, TRY_IT_MOUNT_ID } from './server.js';

/** The console's look: compact, in Redoc's middle column, every line and label wrapping rather than clipped. */
const CONSOLE_CSS = `
.orq-console { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1f2328; margin-top: 16px; }
.orq-console code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.orq-console label { display: block; font-weight: 600; margin: 10px 0 4px; }
.orq-console input[type=text], .orq-console input[type=url], .orq-console input[type=password], .orq-console input[type=number],
.orq-console select, .orq-console textarea { box-sizing: border-box; width: 100%; padding: 6px 8px; border: 1px solid #c9ced6; border-radius: 6px; font: inherit; background: #fff; }
.orq-console textarea.orq-json { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; resize: vertical; }
.orq-server { padding: 12px; border: 1px solid #e1e4e8; border-radius: 8px; background: #f8f9fb; }
.orq-row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; }
.orq-row select, .orq-row input { flex: 1 1 200px; }
.orq-field { margin: 14px 0; padding-bottom: 8px; border-bottom: 1px solid #eef0f3; }
.orq-field.orq-invalid input, .orq-field.orq-invalid textarea, .orq-field.orq-invalid select, .orq-field.orq-invalid .orq-drop { border-color: #cf222e; }
.orq-required { color: #cf222e; font-weight: 400; font-size: 12px; }
.orq-limits { color: #57606a; font-weight: 400; font-size: 12.5px; }
.orq-description { color: #57606a; font-size: 12.5px; margin: 4px 0; }
.orq-nested { margin: 6px 0 0; padding-left: 16px; color: #57606a; }
.orq-nested li { margin: 1px 0; }
.orq-issues { margin: 4px 0 0; padding-left: 16px; color: #cf222e; font-size: 13px; }
.orq-issues:empty { display: none; }
.orq-drop { border: 2px dashed #c9ced6; border-radius: 8px; padding: 14px; text-align: center; }
.orq-drop.orq-over { border-color: #0969da; background: #f0f6ff; }
.orq-drop input[type=file] { position: absolute; width: 1px; height: 1px; opacity: 0; }
.orq-pick { display: inline; color: #0969da; text-decoration: underline; cursor: pointer; font-weight: 400; margin: 0; }
.orq-previews { list-style: none; padding: 0; margin: 8px 0 0; }
.orq-previews li { display: flex; gap: 8px; align-items: center; margin: 4px 0; font-size: 12.5px; overflow-wrap: anywhere; }
.orq-previews img { width: 48px; height: 48px; object-fit: contain; border: 1px solid #e1e4e8; border-radius: 4px; background: #fff; image-rendering: pixelated; flex: none; }
.orq-console button { font: inherit; cursor: pointer; border-radius: 6px; border: 1px solid #c9ced6; background: #fff; padding: 4px 10px; }
.orq-console button.orq-send { background: #0969da; border-color: #0969da; color: #fff; padding: 6px 18px; font-weight: 600; }
.orq-console button:disabled { opacity: 0.5; cursor: default; }
.orq-small { font-size: 12.5px; }
.orq-state { color: #57606a; }
.orq-response { margin-top: 12px; padding: 12px; border: 1px solid #e1e4e8; border-radius: 8px; }
.orq-status { font-size: 16px; margin: 0 0 8px; }
.orq-headers { border-collapse: collapse; font-size: 12.5px; width: 100%; table-layout: fixed; }
.orq-headers th, .orq-headers td { text-align: left; vertical-align: top; padding: 2px 6px; border-bottom: 1px solid #eef0f3; overflow-wrap: anywhere; }
.orq-headers th { width: 40%; font-weight: 600; }
.orq-console pre { white-space: pre-wrap !important; overflow-wrap: anywhere; word-break: break-all; max-height: 320px; overflow: auto; background: #f6f8fa; border-radius: 6px; padding: 8px; font-size: 12px; }
.orq-images { display: flex; flex-wrap: wrap; gap: 12px; }
.orq-images figure { margin: 0; font-size: 12.5px; overflow-wrap: anywhere; max-width: 100%; }
.orq-images img { display: block; max-width: 100%; min-width: 128px; min-height: 128px; object-fit: contain; image-rendering: pixelated; border: 1px solid #e1e4e8; }
.orq-error { color: #cf222e; }
`;

function buildConsole(server: string): HTMLElement {
  const panel = serverPanel(server);
  const controls: FieldControl[] = [];
  const lists = new Map<string, HTMLElement>();
  const others = el('ul', { class: 'orq-issues', 'data-field': '(request)' });
  const picker = imagePicker(() => void liveCheck());
  const blocks = requestFields.map((field) => {
    const { block, control } = fieldBlock(field, field.kind === 'file' ? picker.element : undefined);
    if (field.kind !== 'file') controls.push(control);
    lists.set(field.name, control.issues);
    return block;
  });
  const form = el('form', { class: 'orq-form', novalidate: true }, ...blocks, others);
  const sendButton = el('button', { type: 'submit', class: 'orq-send' }, 'Send');
  const cancel = el('button', { type: 'button', class: 'orq-small', disabled: true }, 'Cancel');
  const status = el('p', { class: 'orq-state', 'aria-live': 'polite' });
  const responseSlot = el('div', { class: 'orq-response-slot' });
  form.append(el('div', { class: 'orq-row' }, sendButton, cancel), status);

  let typing = 0;
  async function liveCheck(): Promise<void> {
    const run = ++typing;
    const issues = [
      ...checkFields(controls, false),
      ...(await picker.check()).filter((issue) => issue.message.indexOf('fewer than') < 0),
    ];
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
      if (apiKey === undefined)
        issues.push({ field: '(request)', message: 'needs an API key for this server (type it above)' });
      if (showIssues(issues, lists, others) > 0) {
        status.textContent = `Not sent: ${issues.length} problem${issues.length === 1 ? '' : 's'}, each shown at its field.`;
        return;
      }
      const request = { ...readFields(controls).fields, [imageField.name]: picker.files() };
      inFlight = new AbortController();
      sendButton.disabled = true;
      cancel.disabled = false;
      status.textContent = 'Sending…';
      clear(responseSlot);
      try {
        const prefer = panel.prefer();
        const result = await send(request, {
          baseUrl: server,
          apiKey: apiKey!,
          signal: inFlight.signal,
          ...(prefer ? { prefer } : {}),
        });
        if (result.kind === 'refused') {
          showIssues(result.issues, lists, others);
          status.textContent = `Not sent: the client refused it (${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}).`;
          return;
        }
        responseSlot.append(
          await responseView(result, result.sent && curlCommand(result.sent), new URL(server).origin, apiKey!),
        );
        // Said once the response is on the page, so "Responded" means it can be read.
        status.textContent = result.response ? `Responded ${result.response.status}.` : 'No response.';
      } finally {
        inFlight = undefined;
        sendButton.disabled = false;
        cancel.disabled = true;
      }
    })();
  });
  return el('div', { class: 'orq-console' }, el('style', {}, CONSOLE_CSS), panel.element, form, responseSlot);
}

function start(): void {
  const server = currentServer();
  const root = server
    ? buildConsole(server)
    : el(
        'p',
        { class: 'orq-console' },
        'The console is off: the page could not tell which server to send to (its address names no http(s) server).',
      );
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
