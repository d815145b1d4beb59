/**
 * The operation's x-codeSamples as the docs show them, and just enough of a POSIX shell's word splitting to run a
 * sample's command line without a shell: comments, backslash-newline continuations, single and double quotes,
 * backslash escapes and $VAR / ${VAR} expansion inside double quotes and bare words.
 */
import { spec } from '../support/spec.js';

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

const operation: any = Object.values(spec.paths as Record<string, Record<string, unknown>>).flatMap((item) =>
  Object.values(item),
)[0];

export const codeSamples: CodeSample[] = operation['x-codeSamples'] ?? [];

/** The shell samples whose command line starts with `program` (e.g. curl, orq-images). */
export function samplesRunning(program: string): CodeSample[] {
  return codeSamples.filter(
    (sample) => sample.lang === 'Shell' && commands(sample.source).some((words) => words[0] === program),
  );
}

/** Splits a shell script into its simple commands, each as words; `env` expands variables (without it, `$NAME`
 *  stays as written). */
export function commands(script: string, env?: Record<string, string>): string[][] {
  const joined = script.replace(/\\\n/g, '');
  const result: string[][] = [];
  for (const line of joined.split('\n')) {
    const words = splitWords(line, env);
    if (words.length > 0) result.push(words);
  }
  return result;
}

function expand(text: string, env: Record<string, string> | undefined): string {
  if (env === undefined) return text;
  return text.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    if (!(name in env)) throw new Error(`the sample uses $${name}, which the test does not define`);
    return env[name]!;
  });
}

export function splitWords(line: string, env?: Record<string, string>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < line.length) {
    const char = line[i]!;
    if (char === '#' && word === undefined) break; // a comment starts a word
    if (char === ' ' || char === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      let j = i + 1;
      let text = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && '"\\$`'.includes(line[j + 1] ?? '')) {
          text += line[j + 1];
          j += 2;
        } else {
          text += line[j] === '$' ? expand(line.slice(j).match(/^\$(\{\w+\}|\w+)/)?.[0] ?? '$', env) : line[j];
          j += line[j] === '$' ? (line.slice(j).match(/^\$(\{\w+\}|\w+)/)?.[0].length ?? 1) : 1;
        }
      }
      if (j >= line.length) throw new Error(`unterminated " in: ${line}`);
      word = (word ?? '') + text;
      i = j + 1;
    } else if (char === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 2;
    } else if (char === '$') {
      const name = line.slice(i).match(/^\$(\{\w+\}|\w+)/)?.[0];
      word = (word ?? '') + (name ? expand(name, env) : '$');
      i += name?.length ?? 1;
    } else {
      word = (word ?? '') + char;
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
