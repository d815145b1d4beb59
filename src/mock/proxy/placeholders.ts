/**
 * The images a recording puts in place of large base64 response images: one 8×8 grey picture per media type the spec
 * allows, small enough to commit and real enough to decode (each decoded to 8×8 in Chromium when made; test/proxy
 * checks each has its type's signature), so a replayed response still carries an image of the type that came.
 * Constants rather than an image library: the mock's only dependencies are Prism, busboy and MSW.
 */
const PLACEHOLDERS: Record<string, string> = {
  'image/png':
    'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAYAAADED76LAAAAIUlEQVR4AdzKMQ0AABDCwA/+RdTp4wB2mnQ7AZ/WlTaAAQAA//92cJQDAAAABklEQVQDADvqFwlJYn2KAAAAAElFTkSuQmCC',
  'image/jpeg':
    '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AKAAP//Z',
  'image/webp': 'UklGRh4AAABXRUJQVlA4TBEAAAAvB8ABAAdQ0IIWtP+BiOh/AAA=',
};

/** The placeholder for an image of `mediaType` (a PNG when the type is none of these). */
export function placeholderFor(mediaType: string | undefined): string {
  return PLACEHOLDERS[mediaType ?? ''] ?? PLACEHOLDERS['image/png']!;
}
