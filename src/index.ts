/**
 * orq-image-edits: the public face. Importing this loads the client, its generated validators and openapi-fetch,
 * nothing else (the mock and the docs builder live behind their own entry points).
 */
export { createImageEditClient, createRawClient } from './client.js';
export type { ImageEditClient, ImageEditClientOptions, EditOptions, ImageEditResponse, RetryEvent, UploadProgress } from './client.js';
export type { ImageEditRequest, PreparedRequest } from './request.js';
export { prepareRequest } from './request.js';
export type { ImageInput, ImageSource, NamedImage, NodeReadableLike, PreparedImage, ImageFile } from './images.js';
export { prepareImage, toImageFile } from './images.js';
export { saveImages } from './save-images.js';
export type { SaveImagesOptions } from './save-images.js';
export { sniffImageType } from './sniff.js';
export { encodeMultipart } from './multipart.js';
export type { MultipartBody } from './multipart.js';
export type { RetryableOutcome, RetryOptions, AttemptFailure } from './retry-policy.js';
export { parseRetryAfter } from './retry-policy.js';
export {
  OrqImageEditError,
  RequestValidationError,
  ApiError,
  ResponseValidationError,
  TimeoutError,
  AbortError,
  NetworkError,
  DownloadError,
} from './errors.js';
export type { RequestIssue } from './errors.js';
export { wireContract, imageField } from './contract.js';
export { validateEditFields, validateImageEditResponse, validateErrorResponse } from '../generated/validators.js';
export type { EditFields, ValidationIssue, Validator } from '../generated/validators.js';
export type { paths, components, operations } from '../generated/schema.js';
