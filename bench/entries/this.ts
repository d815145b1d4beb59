// One edit call with this package's client (what a page bundles).
import { createImageEditClient } from '../../src/index.js';

export async function editOnce(apiKey: string, image: Blob) {
  return createImageEditClient({ apiKey }).edit({ model: 'openai/gpt-image-1', prompt: 'Add a red scarf', image });
}
