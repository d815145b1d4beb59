/**
 * orq-image-edits: the public face of the client, and nothing else. Importing this loads the client, its generated
 * validators and openapi-fetch: never the mock, the docs builder or the CLI, which have their own entry points.
 */
export { createImageEditClient, createRawClient } from './client/client.js';
export type { ImageEditClient } from './client/client.js';
export type {
  EditOptions,
  ImageEditClientOptions,
  ImageEditResponse,
  RetryEvent,
  UploadProgress,
  AttemptFailure,
  RetryableOutcome,
  RetryOptions,
} from './client/options.js';
export type { ImageEditResult } from './client/response.js';
export type { ImageEditRequest } from './client/request.js';
export type { ImageFile, ImageInput, ImageSource, NamedImage, NodeReadableLike } from './client/images.js';
export { toImageFile } from './client/images.js';
export { saveEachImage, saveImages } from './client/platform/node/index.js';
export type { ImageSaveOutcome, SaveImagesOptions } from './client/platform/node/index.js';
export {
  OrqImageEditError,
  RequestValidationError,
  ApiError,
  ResponseValidationError,
  ResponseTooLargeError,
  TimeoutError,
  AbortError,
  NetworkError,
  ImageChangedError,
  DownloadError,
  FileSystemError,
  InvalidOptionError,
} from './client/errors.js';
export type { RequestIssue } from './contract/issues.js';
export type { Drift } from './contract/issues.js';
export { describeDrift } from './contract/issues.js';
export { redactText } from './contract/redact.js';
export { validateEditFields, validateImageEditResponse, validateErrorResponse } from '../generated/validators.js';
export type { EditFields, ValidationIssue, Validator } from '../generated/validators.js';
export type { paths, components, operations } from '../generated/schema.js';
