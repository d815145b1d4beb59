// One edit call with Orq's SDK, as its README shows it (the Orq class).
import { Orq } from '@orq-ai/node';

export async function editOnce(apiKey: string, image: Blob) {
  return new Orq({ apiKey }).router.images.edits.create({
    model: 'openai/gpt-image-1',
    prompt: 'Add a red scarf',
    image,
  });
}
