/** An own, enumerable property even for the name `__proto__`, which plain assignment would turn into a prototype. */
export function setOwnField(fields: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
}
