/** The client's platform on Node: files, temporary files, the streamed upload body, and saveImages. */
import type { Platform } from '../types.js';
import { openImageFile, spool } from './files.js';
import { uploadBody } from './upload-body.js';

export { saveEachImage, saveImages } from './save-images.js';
export type { ImageSaveOutcome, SaveImagesOptions } from './save-images.js';

export const platform: Platform = { openImageFile, spool, uploadBody };
