/**
 * Everything of the Node platform that only a call needs, in one module that index.ts imports on first use: one
 * chunk of the Node build, loaded once, instead of code every cold import of the package would compile.
 */
export { memoryBlob, openImageFile, spool } from './files.js';
export { uploadBody } from './upload-body.js';
export { send } from './transport.js';
export { saveEachImage, saveImages } from './save-images.js';
