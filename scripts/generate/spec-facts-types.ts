/** The types of generated/spec-facts.js that do not depend on the spec: used by the generator and copied verbatim into the generated .d.ts. */
/** A named example of the spec, as written there. */
export interface NamedExample<T = unknown> {
  name: string;
  summary?: string;
  value: T;
}
/** One of the operation's code samples. */
export interface CodeSample {
  lang: string;
  label?: string;
  source: string;
}
/** A declared response header, resolved. */
export interface HeaderFacts {
  description?: string;
  required?: boolean;
  schema?: Record<string, unknown>;
  example?: unknown;
}
/** One scheme of a security requirement (`type` http with `scheme` bearer, apiKey with `in` and `paramName`, ...). */
export interface SecurityScheme {
  name: string;
  type: string;
  scheme?: string;
  in?: string;
  paramName?: string;
}
