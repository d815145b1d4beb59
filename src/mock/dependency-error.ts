/**
 * The one error class the mock's public entry point exports, in a module of its own: its declaration file names no
 * type of Prism or busboy, so a consumer typechecking `orq-image-edits/mock` (skipLibCheck off, TypeScript's
 * default) needs neither package's types.
 */

/** Thrown when the mock's optional peer dependencies are not installed. */
export class MockDependencyError extends Error {
  override name = 'MockDependencyError';
}
