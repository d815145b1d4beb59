/**
 * The media type of an image, read from its first bytes. A filename or a declared type can lie; the signature
 * is what the server will see. Returns undefined for anything that is not PNG, JPEG or WebP.
 */
export const SNIFF_BYTES = 12;

export function sniffImageType(head: Uint8Array): string | undefined {
  const at = (offset: number, bytes: number[]) => bytes.every((byte, i) => head[offset + i] === byte);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // RIFF....WEBP
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return undefined;
}

/** The usual file extension of a media type this module recognises. */
export function extensionFor(mediaType: string): string {
  return { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' }[mediaType] ?? 'bin';
}
