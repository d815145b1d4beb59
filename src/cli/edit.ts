/** orq-images edit — placeholder until its issue lands; replaced by the real command. */
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('orq-images edit: not available in this build yet\n');
  return 2;
}
