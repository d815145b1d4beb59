/**
 * Upstreams that respond with what HTTP cannot pass on: a status line node:http refuses to send (000, 099, a DEL in
 * the reason phrase) or a switch of protocols (101). The proxy, as a user runs it (its own process), reports each as
 * an upstream failure, resets the caller at once (as for any broken upstream) and goes on serving.
 */
import { describe, expect, it } from 'vitest';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { endpointOf, okBody, postParts, proxiesClosedAfterEach, startCommand, validParts } from './support.js';

const { serve } = serversClosedAfterEach();
const proxy = proxiesClosedAfterEach();

const rawResponse = (statusLine: string) =>
  `${statusLine}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`;

describe('an upstream whose status line cannot be passed on', () => {
  it('000, 099 and a DEL in the reason phrase: each caller is reset, each exchange reported as an upstream failure, and the proxy goes on', {
    timeout: 120_000,
  }, async () => {
    const broken = ['HTTP/1.1 000 Zero', 'HTTP/1.1 099 Low', 'HTTP/1.1 200 O\x7fK'];
    const upstream = await serve((index) =>
      index < broken.length ? { raw: rawResponse(broken[index]!) } : { status: 200, body: okBody },
    );
    const command = await startCommand(['proxy', '--upstream', upstream.url, '--port', '0'], /Ctrl-C/);
    try {
      const base = endpointOf(command.output());
      for (const _ of broken) expect(await postParts(base, validParts())).toMatchObject({ error: expect.any(Error) });
      expect(await postParts(base, validParts())).toMatchObject({ status: 200 });
      await expect.poll(() => command.output(), { timeout: 20_000 }).toMatch(/#4 POST/);
      command.child.kill('SIGINT');
      expect(await command.exited).toBe(0);
      const output = command.output();
      for (const index of [1, 2, 3])
        expect(output).toMatch(
          new RegExp(
            `#${index} POST /v2/router/images/edits → reset \\(\\d+ ms\\): no response to check; the upstream's response cannot be passed on \\(.+\\)`,
          ),
        );
      expect(output).toMatch(/#4 POST \/v2\/router\/images\/edits → 200 \(\d+ ms\): conforms/);
      expect(output).toMatch(/proxy: 4 exchanges: 1 conformed, .*, 3 without a response from the upstream/);
    } finally {
      if (command.child.exitCode === null) command.child.kill('SIGKILL');
    }
  });
});

describe('an upstream that switches protocols (101)', () => {
  it.each([
    ['a 101 with Upgrade', 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n'],
    ['a 101 without Upgrade', 'HTTP/1.1 101 Switching Protocols\r\n\r\n'],
  ])(
    '%s: the caller is reset at once and the exchange reported, long before the idle limit',
    { timeout: 60_000 },
    async (_name, raw) => {
      const upstream = await serve(() => ({ raw, keepOpen: true }));
      // An idle limit longer than the test: only an exchange ended at once passes.
      const through = await proxy({ upstream: upstream.url, upstreamIdleMs: 600_000 });
      const sent = await Promise.race([
        postParts(through.url, validParts()),
        new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000)),
      ]);
      expect(sent).toMatchObject({ error: expect.any(Error) });
      await through.reported(1);
      expect(through.lines[0]).toMatch(
        /→ reset \(\d+ ms\): no response to check; the upstream's response cannot be passed on \(the upstream responded 101/,
      );
      expect(through.summary()).toMatchObject({ exchanges: 1, upstreamFailures: 1 });
    },
  );
});
