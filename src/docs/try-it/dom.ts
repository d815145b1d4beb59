/** A few DOM helpers for the console (no framework: the page already carries Redoc's React, which the console must
 *  not depend on, and the console is a handful of controls). Text is always set as text, never parsed as HTML. */

type Attributes = Record<string, string | number | boolean | undefined>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

export function clear(element: Element): void {
  while (element.firstChild) element.firstChild.remove();
}

/** A description from the spec as the reader should see it: `code` spans as code, the rest as text. */
export function prose(markdown: string): (Node | string)[] {
  return markdown
    .split('`')
    .map((piece, index) => (index % 2 === 1 ? el('code', {}, piece) : piece.replace(/\*\*/g, '')));
}
