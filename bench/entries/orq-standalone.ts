// One edit call with Orq's SDK through its tree-shakable standalone function.
import { OrqCore } from '@orq-ai/node/core.js';
import { routerImagesEditsCreate } from '@orq-ai/node/funcs/routerImagesEditsCreate.js';

export async function editOnce(apiKey: string, image: Blob) {
  return routerImagesEditsCreate(new OrqCore({ apiKey }), {
    model: 'openai/gpt-image-1',
    prompt: 'Add a red scarf',
    image,
  });
}
