/**
 * Token usage for a made answer: plausible and consistent, not Orq's bill. Text tokens grow with the prompt (about
 * four characters a token), image tokens with the number and size of the source images (OpenAI's tile rule: 85 +
 * 170 per 512-pixel tile once fitted to 2048 and shortened to 768), output tokens with the images made and their
 * quality (gpt-image-1's published 1024 × 1024 figures, scaled by area); total = input + output.
 */
import type { Dimensions } from './images.js';

/** Output tokens of one 1024 × 1024 image by quality (gpt-image-1); `auto`, `standard` or none count as medium. */
const OUTPUT_TOKENS_1024: Record<string, number> = { low: 272, medium: 1056, high: 4160 };

/** Tokens of one source image of this size, by the tile rule. */
export function imageTokens(size: Dimensions): number {
  let { width, height } = size;
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shorten = Math.min(1, 768 / Math.min(width, height));
  width *= shorten;
  height *= shorten;
  return 85 + 170 * Math.ceil(width / 512) * Math.ceil(height / 512);
}

export interface UsageFacts {
  prompt: string;
  /** One entry per source image: its size when known (the first image, decoded), else undefined (counted as 1024²). */
  sources: (Dimensions | undefined)[];
  made: Dimensions;
  count: number;
  quality: string | undefined;
}

export function usageOf(facts: UsageFacts) {
  const text_tokens = Math.max(1, Math.ceil(facts.prompt.length / 4));
  const image_tokens = facts.sources.reduce<number>((sum, size) => sum + imageTokens(size ?? { width: 1024, height: 1024 }), 0);
  const perImage = OUTPUT_TOKENS_1024[facts.quality ?? ''] ?? OUTPUT_TOKENS_1024.medium!;
  const output_tokens = facts.count * Math.max(16, Math.round((perImage * facts.made.width * facts.made.height) / (1024 * 1024)));
  const input_tokens = text_tokens + image_tokens;
  return { total_tokens: input_tokens + output_tokens, input_tokens, output_tokens, input_tokens_details: { text_tokens, image_tokens } };
}
