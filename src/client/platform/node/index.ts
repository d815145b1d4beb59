/** The client's platform on Node: files, temporary files, its own transport (node:http), the streamed upload body for a caller's own fetch, and saveImages. */
import type { Platform } from '../types.js';
import { openImageFile, spool } from './files.js';
import { transport } from './transport.js';
import { uploadBody } from './upload-body.js';

export { saveEachImage, saveImages } from './save-images.js';
export type { ImageSaveOutcome, SaveImagesOptions } from './save-images.js';

export const platform: Platform = { openImageFile, spool, uploadBody, transport };
