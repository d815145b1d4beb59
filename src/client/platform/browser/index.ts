/**
 * The client's platform in browsers: nothing of Node. Images are Blobs, Files, bytes or streams (spooled into
 * memory, within the byte limit); a file path or file: URL is refused by name before anything is sent. The browser
 * bundle is built with this module in place of ../node/index.js (scripts/client-bundle.ts).
 */
import { OrqImageEditError } from '../../errors.js';
import { SourceIssue } from '../../source-issue.js';
import type { saveEachImage as nodeSaveEachImage, saveImages as nodeSaveImages } from '../node/save-images.js';
import type { Platform } from '../types.js';

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
  // Browsers stream file-backed Blobs natively, and most cannot send a stream over HTTP/1.1: the Blob itself.
  async uploadBody(_segments, whole) {
    return { body: whole, headers: {}, reportsProgress: false, init: {} };
  },
};

/** saveImages writes files: Node only. In a browser, show `data[i].b64_json` as a data: URL or `data[i].url` directly. */
function nodeOnly(): never {
  throw new OrqImageEditError('saveImages writes files and runs on Node only; in a browser, use result.data[i].b64_json (as a data: URL) or result.data[i].url');
}
export const saveImages: typeof nodeSaveImages = async () => nodeOnly();
export const saveEachImage: typeof nodeSaveEachImage = async () => nodeOnly();
