/**
 * The images: a file picker and a drop zone, a preview of each, and each checked as soon as it is added, by the same
 * rules the client and the mock apply (src/contract/images.ts: PNG, JPEG or WebP by its bytes, not empty, not
 * over the byte limit, and how many).
 */
import { imageCountIssue, judgeImage } from '../../contract/images.js';
import type { RequestIssue } from '../../contract/issues.js';
import { imageField } from '../../contract/spec.js';
import { clear, el } from './dom.js';

/** Bytes read from the start of a file to recognise its type. */
const HEAD_BYTES = 64;

export interface ImagePicker {
  element: HTMLElement;
  files(): File[];
  /** Problems with the images as they stand. */
  check(): Promise<RequestIssue[]>;
}

export function imagePicker(onChange: () => void): ImagePicker {
  const { limits } = imageField;
  const chosen: { file: File; url: string }[] = [];
  const input = el('input', { type: 'file', id: `orq-try-${imageField.name}`, multiple: true, accept: limits.mediaTypes.join(',') });
  const previews = el('ul', { class: 'orq-previews' });
  const zone = el(
    'div',
    { class: 'orq-drop', tabindex: 0 },
    el('span', {}, `Drop ${limits.minItems} to ${limits.maxItems} images here, or `),
    el('label', { for: input.id, class: 'orq-pick' }, 'choose files'),
    input,
  );

  function render(): void {
    clear(previews);
    chosen.forEach(({ file, url }, index) => {
      const remove = el('button', { type: 'button', class: 'orq-small', 'aria-label': `Remove ${file.name}` }, '×');
      remove.addEventListener('click', () => {
        URL.revokeObjectURL(chosen[index]!.url);
        chosen.splice(index, 1);
        render();
        onChange();
      });
      const size = `${file.type || 'unknown type'}, ${file.size.toLocaleString('en')} bytes`;
      previews.append(el('li', {}, el('img', { src: url, alt: file.name }), el('span', {}, el('code', {}, `${imageField.name}[${index}]`), ` ${file.name} (${size})`), remove));
    });
  }

  function add(files: Iterable<File>): void {
    for (const file of files) chosen.push({ file, url: URL.createObjectURL(file) });
    render();
    onChange();
  }

  input.addEventListener('change', () => {
    add(input.files ?? []);
    input.value = '';
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('orq-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('orq-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('orq-over');
    add(event.dataTransfer?.files ?? []);
  });

  return {
    element: el('div', {}, zone, previews),
    files: () => chosen.map(({ file }) => file),
    async check() {
      const issues: RequestIssue[] = [];
      const count = imageCountIssue(chosen.length);
      if (count) issues.push(count);
      for (const [index, { file }] of chosen.entries()) {
        const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
        const judged = judgeImage(`${imageField.name}[${index}]`, { size: file.size, head, filename: file.name, ...(file.type ? { declaredType: file.type } : {}) });
        if ('issue' in judged) issues.push(judged.issue);
      }
      return issues;
    },
  };
}
