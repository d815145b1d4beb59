/**
 * A 2xx answer's body judged by the spec: JSON, and valid against the generated response validator. Anything else
 * is a ResponseValidationError naming what is wrong.
 */
import { validateImageEditResponse } from '../../generated/validators.js';
import { issuesFromAjv } from '../contract/issues.js';
import { ResponseValidationError } from './errors.js';
import type { ImageEditResponse } from './types.js';

export function judgeOkAnswer(status: number, text: string): ImageEditResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what = text.length === 0 ? 'is empty' : `is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})`;
    throw new ResponseValidationError(status, [{ field: 'body', message: what }], text);
  }
  if (!validateImageEditResponse(body)) {
    throw new ResponseValidationError(status, issuesFromAjv(validateImageEditResponse.errors, body, 'body'), body);
  }
  return body;
}
