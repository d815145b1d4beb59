/**
 * The client's platform on Node: files, temporary files, its own transport (node:http), the streamed upload body for
 * a caller's own fetch, and saveImages. Only what must exist before a call is here; the code itself
 * (on-first-use.ts) is imported by the first call that needs it, so importing the client compiles none of it (the
 * Node build puts it in a chunk of its own: BENCHMARKS.md, cold import).
 */
import type { Platform } from '../types.js';
import { NodeRequest, UploadSegments } from './node-request.js';
import type { saveEachImage as SaveEachImage, saveImages as SaveImages } from './save-images.js';

export type { ImageSaveOutcome, SaveImagesOptions } from './save-images.js';

const onFirstUse = () => import('./on-first-use.js');

export const platform: Platform = {
  openImageFile: async (given) => (await onFirstUse()).openImageFile(given),
  spool: async (drain) => (await onFirstUse()).spool(drain),
  memoryBlob: async (bytes) => (await onFirstUse()).memoryBlob(bytes),
  uploadBody: async (...args) => (await onFirstUse()).uploadBody(...args),
  transport: {
    Request: NodeRequest,
    // openapi-fetch built `request` with NodeRequest (the Request option above); `send` checks what it is given.
    fetch: async (request) => (await onFirstUse()).send(request as unknown as NodeRequest),
    upload: (segments, length, onChunk) => ({ body: new UploadSegments(segments, length, onChunk), headers: {}, reportsProgress: true, init: {} }),
  },
};

/** Writes the result's images into `dir` (created if missing) and resolves to their paths, in `data` order (save-images.ts). */
export const saveImages: typeof SaveImages = async (...args) => (await onFirstUse()).saveImages(...args);
/** Saves every image it can into `dir` (created if missing) and resolves to each one's outcome, in `data` order (save-images.ts). */
export const saveEachImage: typeof SaveEachImage = async (...args) => (await onFirstUse()).saveEachImage(...args);
