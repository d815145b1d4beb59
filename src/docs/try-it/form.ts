/**
 * The request form, one control per field of the spec (spec-fields.ts): enums as choices, numbers with their limits,
 * text, JSON parts as JSON editors checked as the reader types (JSON syntax, then the generated validator, each
 * problem under its field). The images have their own picker (image-picker.ts).
 */
import { validateEditFields } from '../../index.js';
import { issuesFromAjv, type RequestIssue } from '../../contract/issues.js';
import { clear, el, prose } from './dom.js';
import type { FieldDescriptor } from './spec-fields.js';

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
    return el('select', { id, name: field.name }, el('option', { value: '' }, '(not sent)'), ...field.enum!.map((value) => el('option', { value }, value)));
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
  return el('input', { id, name: field.name, type: 'text', placeholder: field.example === undefined ? '' : String(field.example) });
}

/** One field's block: name, limits, control, description, nested fields (JSON parts) and its problems. */
export function fieldBlock(field: FieldDescriptor): { block: HTMLElement; control: FieldControl } {
  const input = controlFor(field);
  const issues = el('ul', { class: 'orq-issues', 'data-field': field.name, 'aria-live': 'polite' });
  const label = el(
    'label',
    { for: input.id },
    el('code', {}, field.name),
    field.required ? el('span', { class: 'orq-required' }, ' required') : undefined,
    el('span', { class: 'orq-limits' }, ` ${field.limits}`),
  );
  const nested = field.nested?.length ? el('ul', { class: 'orq-nested' }, ...field.nested.map((line) => el('li', {}, el('code', {}, line)))) : undefined;
  const example =
    field.kind === 'json' && field.example !== undefined
      ? el('button', { type: 'button', class: 'orq-small', 'data-example': field.name }, 'Insert the spec’s example')
      : undefined;
  example?.addEventListener('click', () => {
    input.value = JSON.stringify(field.example, null, 1);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  const block = el('div', { class: `orq-field orq-${field.kind}` }, label, input, example, nested, el('p', { class: 'orq-description' }, ...prose(field.description)), issues);
  return { block, control: { descriptor: field, input, issues } };
}

/** The fields as the reader entered them, ready for the client (absent when empty), and the JSON that did not parse. */
export function readFields(controls: readonly FieldControl[]): { fields: Record<string, unknown>; issues: RequestIssue[] } {
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
        issues.push({ field: descriptor.name, message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})` });
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
  const judged = { ...fields };
  for (const name of unparsed) delete judged[name];
  if (!validateEditFields(judged)) {
    for (const issue of issuesFromAjv(validateEditFields.errors, judged).issues) {
      if (!withRequired && issue.message === 'is required' && !issue.field.includes('.') && !issue.field.includes('[')) continue;
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
export function showIssues(issues: readonly RequestIssue[], lists: Map<string, HTMLElement>, others: HTMLElement): number {
  for (const list of [...lists.values(), others]) clear(list);
  for (const issue of issues) {
    const list = lists.get(fieldOf(issue)) ?? others;
    list.append(el('li', {}, el('code', {}, issue.field), ` ${issue.message}`));
    list.closest('.orq-field')?.classList.add('orq-invalid');
  }
  for (const list of lists.values()) if (!list.firstChild) list.closest('.orq-field')?.classList.remove('orq-invalid');
  return issues.length;
}
