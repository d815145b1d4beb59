/**
 * The request form, read from the spec: one descriptor per request field of the operation, in the spec's order, with
 * what a control needs (kind, enum, limits, default, description) and, for a JSON part, every nested field with its
 * limits as dotted paths (`load_balancer.models[].weight  number 0.001–1, default 0.5`); then one control per field:
 * enums as choices, numbers with their limits, text, JSON parts as JSON editors checked as the reader types (JSON
 * syntax, then the generated validator, each problem under its field); and the images' picker (a file picker and a
 * drop zone, a preview of each), each image checked as soon as it is added by the same rules the client and the mock
 * apply (src/contract/images.ts: PNG, JPEG or WebP by its bytes, not empty, not over the byte limit, how many).
 */
import { validateEditFields } from '../../index.js';
import { imageCountIssue, checkImage } from '../../contract/images.js';
import { issuesFromAjv, type RequestIssue } from '../../contract/issues.js';
import { imageField, specFacts, wireContract } from '../../contract/spec.js';
import { clear, el, prose } from './dom.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  format?: string;
  description?: string;
  examples?: unknown[];
  deprecated?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
};

type FieldKind = 'file' | 'enum' | 'number' | 'text' | 'json';

export interface FieldDescriptor {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  /** The spec's limits in words: `integer 1–10, default 1`. */
  limits: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  integer?: boolean;
  example?: unknown;
  /** JSON parts: every nested field, as `path  limits`. */
  nested?: string[];
}

function types(schema: Schema): string[] {
  return [schema.type ?? []].flat().filter((type) => type !== 'null');
}

function limitsOf(schema: Schema): string {
  const words: string[] = [types(schema).join(' or ') || 'value'];
  if (schema.enum) words.push(`one of ${schema.enum.filter((value) => value !== null).join(', ')}`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) words.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) words.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) words.push(`≤ ${schema.maximum}`);
  if (schema.minLength) words.push('non-empty');
  if (schema.minItems !== undefined || schema.maxItems !== undefined) {
    words.push(`${schema.minItems ?? 0}${schema.maxItems !== undefined ? `–${schema.maxItems}` : '+'} items`);
  }
  if (schema.format) words.push(`format ${schema.format}`);
  if (schema.default !== undefined) words.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.deprecated) words.push('deprecated');
  return words.join(', ');
}

/** Every field under a JSON part, depth first, as `path  limits` lines (bounded: the resolved schema is finite). */
function nestedFields(resolved: Schema, path: string, lines: string[], depth = 0): string[] {
  if (depth > 6) return lines;
  if (types(resolved).includes('array') && resolved.items)
    return nestedFields(resolved.items, `${path}[]`, lines, depth + 1);
  for (const [name, target] of Object.entries(resolved.properties ?? {})) {
    const required = resolved.required?.includes(name) ? ', required' : '';
    lines.push(`${path}.${name}  ${limitsOf(target)}${required}`);
    nestedFields(target, `${path}.${name}`, lines, depth + 1);
  }
  return lines;
}

/** The request body's schema, every `$ref` already resolved by the generator. */
const requestSchema = specFacts.requestSchema as Schema;

/** An example value for a field, from the spec's largest named request example (`every_option`-like). */
function exampleOf(name: string): unknown {
  for (const example of [...specFacts.requestExamples].reverse()) {
    if (example.value[name] !== undefined) return example.value[name];
  }
  return undefined;
}

export const requestFields: FieldDescriptor[] = Object.entries(requestSchema.properties ?? {}).map(([name, schema]) => {
  const contract = wireContract.fields[name];
  const required = wireContract.required.includes(name);
  const description = (schema.description ?? '').replace(/\s+/g, ' ').trim();
  const base = { name, required, description, example: exampleOf(name) };
  if (contract?.part === 'file') {
    const { minItems, maxItems, maxBytes, mediaTypes } = contract;
    return {
      ...base,
      kind: 'file',
      limits: `${minItems}–${maxItems} files, ${mediaTypes.join(', ')}, ≤ ${maxBytes.toLocaleString('en')} bytes each`,
    };
  }
  if (contract?.part === 'json')
    return {
      ...base,
      kind: 'json',
      limits: `JSON ${types(schema).join(' or ')}`,
      nested: nestedFields(schema, name, []),
    };
  if (schema.enum)
    return {
      ...base,
      kind: 'enum',
      limits: limitsOf(schema),
      enum: schema.enum.filter((value): value is string => typeof value === 'string'),
    };
  if (types(schema).some((type) => type === 'integer' || type === 'number')) {
    return {
      ...base,
      kind: 'number',
      limits: limitsOf(schema),
      integer: types(schema).includes('integer'),
      ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
      ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
    };
  }
  return { ...base, kind: 'text', limits: limitsOf(schema), example: schema.examples?.[0] ?? base.example };
});

/* The controls. */

export interface FieldControl {
  descriptor: FieldDescriptor;
  /** The element whose `value` holds what the reader entered. */
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  /** Where this field's problems are listed. */
  issues: HTMLElement;
}

function controlFor(field: FieldDescriptor): FieldControl['input'] {
  const id = `orq-try-${field.name}`;
  if (field.kind === 'enum') {
    return el(
      'select',
      { id, name: field.name },
      el('option', { value: '' }, '(not sent)'),
      ...field.enum!.map((value) => el('option', { value }, value)),
    );
  }
  if (field.kind === 'number') {
    return el('input', {
      id,
      name: field.name,
      type: 'number',
      min: field.minimum,
      max: field.maximum,
      step: field.integer ? 1 : 'any',
      placeholder: field.limits,
    });
  }
  if (field.kind === 'json') {
    const placeholder = field.example === undefined ? 'JSON' : JSON.stringify(field.example);
    return el('textarea', { id, name: field.name, rows: 2, spellcheck: false, placeholder, class: 'orq-json' });
  }
  return el('input', {
    id,
    name: field.name,
    type: 'text',
    placeholder: field.example === undefined ? '' : String(field.example),
  });
}

/**
 * One field's block: name, limits, control, description, nested fields (JSON parts) and its problems. The images'
 * control is their picker (imagePicker), given as `picker`: the control returned then holds nothing to read.
 */
export function fieldBlock(
  field: FieldDescriptor,
  picker?: HTMLElement,
): { block: HTMLElement; control: FieldControl } {
  const input = controlFor(field);
  const issues = el('ul', { class: 'orq-issues', 'data-field': field.name, 'aria-live': 'polite' });
  const label = el(
    'label',
    { for: input.id },
    el('code', {}, field.name),
    field.required ? el('span', { class: 'orq-required' }, ' required') : undefined,
    el('span', { class: 'orq-limits' }, ` ${field.limits}`),
  );
  const nested = field.nested?.length
    ? el('ul', { class: 'orq-nested' }, ...field.nested.map((line) => el('li', {}, el('code', {}, line))))
    : undefined;
  const example =
    field.kind === 'json' && field.example !== undefined
      ? el('button', { type: 'button', class: 'orq-small', 'data-example': field.name }, 'Insert the spec’s example')
      : undefined;
  example?.addEventListener('click', () => {
    input.value = JSON.stringify(field.example, null, 1);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const block = el(
    'div',
    { class: `orq-field orq-${field.kind}` },
    label,
    picker ?? input,
    example,
    nested,
    el('p', { class: 'orq-description' }, ...prose(field.description)),
    issues,
  );
  return { block, control: { descriptor: field, input, issues } };
}

/** The fields as the reader entered them, ready for the client (absent when empty), and the JSON that did not parse. */
export function readFields(controls: readonly FieldControl[]): {
  fields: Record<string, unknown>;
  issues: RequestIssue[];
} {
  const fields: Record<string, unknown> = {};
  const issues: RequestIssue[] = [];
  for (const { descriptor, input } of controls) {
    const raw = input.value;
    if (raw.trim() === '') continue;
    if (descriptor.kind === 'number') {
      const value = Number(raw);
      if (Number.isFinite(value)) fields[descriptor.name] = value;
      else issues.push({ field: descriptor.name, message: `is not a number (got ${JSON.stringify(raw)})` });
    } else if (descriptor.kind === 'json') {
      try {
        fields[descriptor.name] = JSON.parse(raw);
      } catch (error) {
        issues.push({
          field: descriptor.name,
          message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
        });
      }
    } else {
      fields[descriptor.name] = raw;
    }
  }
  return { fields, issues };
}

/** The problems of the text and JSON fields as they stand, by the generated validator (required fields only when
 *  `withRequired`: while the reader is still typing, a field not yet filled is not a problem). */
export function checkFields(controls: readonly FieldControl[], withRequired: boolean): RequestIssue[] {
  const { fields, issues } = readFields(controls);
  const unparsed = new Set(issues.map((issue) => issue.field));
  const checked = { ...fields };
  for (const name of unparsed) delete checked[name];
  if (!validateEditFields(checked)) {
    for (const issue of issuesFromAjv(validateEditFields.errors, checked).issues) {
      if (!withRequired && issue.message === 'is required' && !issue.field.includes('.') && !issue.field.includes('['))
        continue;
      issues.push(issue);
    }
  }
  return issues;
}

/** The top-level field an issue belongs to: `retry.count` → `retry`, `image[2]` → `image`. */
export function fieldOf(issue: RequestIssue): string {
  return issue.field.split(/[.[]/)[0]!;
}

/** Lists each issue under its field (`others` gets those that belong to no control); returns how many were shown. */
export function showIssues(
  issues: readonly RequestIssue[],
  lists: Map<string, HTMLElement>,
  others: HTMLElement,
): number {
  for (const list of [...lists.values(), others]) clear(list);
  for (const issue of issues) {
    const list = lists.get(fieldOf(issue)) ?? others;
    list.append(el('li', {}, el('code', {}, issue.field), ` ${issue.message}`));
    list.closest('.orq-field')?.classList.add('orq-invalid');
  }
  for (const list of lists.values()) if (!list.firstChild) list.closest('.orq-field')?.classList.remove('orq-invalid');
  return issues.length;
}

/* The images. */

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
  const input = el('input', {
    type: 'file',
    id: `orq-try-${imageField.name}`,
    multiple: true,
    accept: limits.mediaTypes.join(','),
  });
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
      previews.append(
        el(
          'li',
          {},
          el('img', { src: url, alt: file.name }),
          el('span', {}, el('code', {}, `${imageField.name}[${index}]`), ` ${file.name} (${size})`),
          remove,
        ),
      );
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
        const checked = checkImage(`${imageField.name}[${index}]`, {
          size: file.size,
          head,
          filename: file.name,
          ...(file.type ? { declaredType: file.type } : {}),
        });
        if ('issue' in checked) issues.push(checked.issue);
      }
      return issues;
    },
  };
}
