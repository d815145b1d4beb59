/**
 * The client's platform on Node: files and temporary files (files.ts), its own transport on node:http
 * (transport.ts, with upload.ts), and saveImages (save-images.ts). Each is imported by the first call that needs it,
 * so importing the client compiles none of them (the Node build puts each in a chunk of its own: BENCHMARKS.md,
 * cold import).
 */
import type { Platform } from '../shared.js';
import type { saveEachImage as SaveEachImage, saveImages as SaveImages } from './save-images.js';

export type { ImageSaveOutcome, SaveImagesOptions } from './save-images.js';

const files = () => import('./files.js');
const transport = () => import('./transport.js');
const saving = () => import('./save-images.js');

export const platform: Platform = {
  openImageFile: async (given) => (await files()).openImageFile(given),
  spool: async (drain) => (await files()).spool(drain),
  memoryBlob: async (bytes) => (await files()).memoryBlob(bytes),
  send: async (request, fetch) => (await transport()).send(request, fetch),
};

/** Writes the result's images into `dir` (created if missing) and resolves to their paths, in `data` order (save-images.ts). */
export const saveImages: typeof SaveImages = async (...args) => (await saving()).saveImages(...args);
/** Saves every image it can into `dir` (created if missing) and resolves to each one's outcome, in `data` order (save-images.ts). */
export const saveEachImage: typeof SaveEachImage = async (...args) => (await saving()).saveEachImage(...args);
