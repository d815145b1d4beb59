/**
 * The client's platform in browsers: nothing of Node. Images are Blobs, Files, bytes or streams (spooled into
 * memory, within the byte limit); a file path or file: URL is refused by name before anything is sent. The browser
 * bundle is built with this module in place of ../node/index.js (scripts/client-bundle.ts).
 */
import { OrqImageEditError, SourceIssue } from '../../errors.js';
import type { saveEachImage as nodeSaveEachImage, saveImages as nodeSaveImages } from '../node/save-images.js';
import { sendWithFetch, type Platform } from '../shared.js';

export type { ImageSaveOutcome, SaveImagesOptions } from '../node/save-images.js';

export const platform: Platform = {
  async openImageFile(given) {
    throw new SourceIssue(
      typeof given === 'string'
        ? `is a file path (${JSON.stringify(given)}), which only Node can read; give a Blob or File in a browser`
        : 'is a file: URL, which only Node can read; give a Blob or File in a browser',
    );
  },
  async spool(drain) {
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    await drain((bytes) => chunks.push(bytes.slice()));
    return { blob: new Blob(chunks), dispose: async () => {} };
  },
  async memoryBlob(bytes) {
    return new Blob([bytes as Uint8Array<ArrayBuffer>]);
  },
  // Browsers stream file-backed Blobs natively, and most cannot send a stream over HTTP/1.1: the whole Blob. Their
  // fetch cannot report upload progress: 0 as it starts, the total once the response arrives.
  async send(request, fetch) {
    request.onProgress?.(0);
    const response = await sendWithFetch(fetch ?? ((input) => globalThis.fetch(input)), request, request.body.body);
    request.onProgress?.(request.body.length);
    return response;
  },
};

/** saveImages writes files: Node only. In a browser, show `data[i].b64_json` as a data: URL or `data[i].url` directly. */
function nodeOnly(): never {
  throw new OrqImageEditError(
    'saveImages writes files and runs on Node only; in a browser, use result.data[i].b64_json (as a data: URL) or result.data[i].url',
  );
}
export const saveImages: typeof nodeSaveImages = async () => nodeOnly();
export const saveEachImage: typeof nodeSaveEachImage = async () => nodeOnly();
