// openapi-fetch alone, posting a FormData: the floor (no validation, no types at run time, no error handling).
import createClient from 'openapi-fetch';

export async function editOnce(apiKey: string, image: Blob) {
  const form = new FormData();
  form.append('model', 'openai/gpt-image-1');
  form.append('prompt', 'Add a red scarf');
  form.append('image', image, 'image.png');
  const client = createClient<any>({ baseUrl: 'https://api.orq.ai', headers: { Authorization: `Bearer ${apiKey}` } });
  return client.POST('/v2/router/images/edits', {
    body: form as never,
    bodySerializer: (body: unknown) => body as FormData,
  });
}
