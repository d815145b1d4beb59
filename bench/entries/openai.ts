// One edit call with openai-node.
import OpenAI from 'openai';

export async function editOnce(apiKey: string, image: File) {
  return new OpenAI({ apiKey, baseURL: 'https://api.orq.ai/v2/router', dangerouslyAllowBrowser: true }).images.edit({
    model: 'openai/gpt-image-1',
    prompt: 'Add a red scarf',
    image,
  });
}
