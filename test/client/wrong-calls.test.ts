/**
 * Wrong calls are refused with a message that names the fix, at the moment they are made: a client created without
 * options or with a base URL that has no scheme (refused at creation, naming the option, never a NetworkError at the
 * first call), and a previous result's `url` given as `image` (taken as a URL, not looked for as a file).
 */
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, RequestValidationError, createImageEditClient } from '../../src/index.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';

const servers = serversClosedAfterEach();
const refusal = (create: () => unknown) => {
  try {
    create();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('creating a client wrongly', () => {
  it('with no options: an InvalidOptionError showing the call to write', () => {
    const error = refusal(() => (createImageEditClient as (options?: unknown) => unknown)());
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toMatchObject({
      option: 'options',
      message: expect.stringContaining('createImageEditClient({ apiKey: process.env.ORQ_API_KEY })'),
    });
  });

  it.each(['api.orq.ai', 'localhost:4010', 'ftp://files.example/'])(
    'with baseUrl %j: an InvalidOptionError naming baseUrl and the form it takes',
    (baseUrl) => {
      const error = refusal(() => createImageEditClient({ apiKey: 'k', baseUrl }));
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect(error).toMatchObject({
        option: 'baseUrl',
        message: expect.stringMatching(/^baseUrl: must be an absolute http\(s\) URL .*https:\/\/api\.orq\.ai.*\(got "/),
      });
    },
  );
});

describe('a URL given as text for image', () => {
  it.each([
    'https://cdn.example/results/1.png?sig=abc',
    'http://127.0.0.1:9/x.png',
    'data:image/png;base64,iVBORw0KGgo=',
  ])('%s is refused as a URL, with what to give instead, and nothing is sent', async (image) => {
    const server = await servers.serve(() => ({ status: 200, body: {} }));
    const client = createImageEditClient({ apiKey: 'k', baseUrl: server.url, maxRetries: 0 });
    const error = await client
      .edit({ model: 'openai/gpt-image-1', prompt: 'p', image })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      {
        field: 'image',
        message: expect.stringMatching(
          /^is a \w+: URL; only file: URLs are read \(download other images and pass their bytes\)$/,
        ),
      },
    ]);
    expect(server.requests).toEqual([]);
  });
});
