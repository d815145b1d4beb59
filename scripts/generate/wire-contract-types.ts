/** The types of generated/wire-contract.js: used by the generator and copied verbatim into the generated .d.ts. */
export interface FileFieldContract {
  part: 'file';
  /** Media types a file part may have (the encoding map's contentType). */
  mediaTypes: string[];
  minItems: number;
  maxItems: number;
  /** Largest file accepted, in bytes (the spec's x-max-file-bytes). */
  maxBytes: number;
}
export interface ValueFieldContract {
  part: 'text' | 'json';
  /** JSON types the field's value may have once decoded ("integer", "string", "null", ...). */
  types: string[];
  /** The part's own Content-Type, from the encoding map (JSON parts only). */
  contentType?: string;
}
export type FieldContract = FileFieldContract | ValueFieldContract;
