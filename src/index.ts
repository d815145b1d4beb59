/**
 * orq-image-edits: the public face of the client, and nothing else. Importing this loads the client, its generated
 * validators and openapi-fetch: never the mock, the docs builder or the CLI, which have their own entry points.
 */
export { createImageEditClient, createRawClient } from './client/client.js';
export type { ImageEditClient } from './client/client.js';
export type { ImageEditClientOptions, EditOptions, ImageEditResponse, RetryEvent, UploadProgress } from './client/types.js';
export type { ImageEditResult } from './client/answer.js';
export type { Drift } from './contract/drift.js';
export { describeDrift } from './contract/drift.js';
export type { ImageEditRequest, PreparedRequest } from './client/prepare-request.js';
export { prepareRequest } from './client/prepare-request.js';
export type { ImageInput, ImageSource, NamedImage, NodeReadableLike, PreparedImage, ImageFile } from './client/images.js';
export { prepareImage, toImageFile } from './client/images.js';
export { saveEachImage, saveImages } from './client/platform/node/index.js';
export type { ImageSaveOutcome, SaveImagesOptions } from './client/platform/node/index.js';
export { sniffImageType } from './contract/sniff.js';
export { encodeMultipart } from './client/multipart.js';
export type { MultipartBody } from './client/multipart.js';
export type { RetryableOutcome, RetryOptions, AttemptFailure } from './client/retry-policy.js';
export { isRetryable, parseRetryAfter } from './client/retry-policy.js';
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
} from './client/errors.js';
export { DownloadError, FileSystemError, InvalidOptionError } from './client/save-errors.js';
export type { RequestIssue } from './contract/issues.js';
export { wireContract, imageField } from './contract/wire-contract.js';
export { redactText } from './client/redact.js';
export { validateEditFields, validateImageEditResponse, validateErrorResponse } from '../generated/validators.js';
export type { EditFields, ValidationIssue, Validator } from '../generated/validators.js';
export type { paths, components, operations } from '../generated/schema.js';
