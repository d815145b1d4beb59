/**
 * encodeMultipart counts its body's length without building the body (the Node transport writes the pieces and never
 * needs the whole): the count must be the exact byte length of the body as it goes out, whatever the text holds
 * (multi-byte characters, pairs of surrogates, lone surrogates that UTF-8 writes as U+FFFD).
 */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { prepareImage, type PreparedImage } from '../../src/client/images.js';
import { encodeMultipart } from '../../src/client/multipart.js';
import { makePng } from '../support/images.js';

describe('encodeMultipart: the length it states', () => {
  it('is the byte length of the body, for any text in the fields', async () => {
    const image = (await prepareImage(makePng(2, 2), 'image', 0)) as PreparedImage;
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom('\ud800', 'a\udc00b', '😀', 'é', '中文'),
    );
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(text, text, (prompt, user) => {
        const encoded = encodeMultipart({ model: 'm/x', prompt, user }, [image]);
        const counted = encoded.segments.reduce(
          (sum, part) => sum + (typeof part === 'string' ? encoder.encode(part).length : part.size),
          0,
        );
        return encoded.length === encoded.body.size && encoded.length === counted;
      }),
      { numRuns: 40 },
    );
  });
});
