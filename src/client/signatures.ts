/**
 * The first bytes (the signature) of every image the pre-flight check judged, kept per Blob: read once, when the
 * image is checked, and used twice more. A Blob's bytes cannot change, so a Blob checked before needs no second
 * read (a caller who sends one Blob many times pays for its signature once); and the upload compares what it is
 * about to send against what was checked, so a file swapped under the upload is stopped before its bytes go out.
 */
const signatures = new WeakMap<Blob, Uint8Array>();

export function checkedSignature(blob: Blob): Uint8Array | undefined {
  return signatures.get(blob);
}

export function keepSignature(blob: Blob, head: Uint8Array): void {
  signatures.set(blob, head);
}
