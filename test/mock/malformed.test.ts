/**
 * Malformed multipart bodies (Prism 5 crashes on some: upstream issue 2672) get a 400 naming the body, or are
 * accepted when they are in fact valid; the server keeps responding afterwards.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../generated/validators.js';
import { imageField } from '../../src/contract/spec.js';
import { AUTH, BOUNDARY, endpoint, minimalParts, multipart, post, postParts } from './support.js';

const image = imageField.name;
const minimal = () => multipart(minimalParts());

/** The mock still responds to a valid request. */
async function stillServing(): Promise<void> {
  const response = await postParts(minimalParts());
  expect(response.status).toBe(200);
}

afterEach(stillServing);

describe('malformed multipart', () => {
  const cases: Array<{ name: string; contentType: string; body: () => Uint8Array<ArrayBuffer> | string }> = [
    { name: 'no boundary parameter', contentType: 'multipart/form-data', body: () => minimal().body },
    {
      name: 'a boundary that is not in the body',
      contentType: 'multipart/form-data; boundary=not-there',
      body: () => minimal().body,
    },
    {
      name: 'truncated in the middle of a part',
      contentType: minimal().contentType,
      body: () => minimal().body.subarray(0, 200),
    },
    {
      name: 'no closing delimiter',
      contentType: minimal().contentType,
      body: () => Buffer.from(minimal().body).toString('latin1').replace(`--${BOUNDARY}--\r\n`, ''),
    },
    { name: 'an empty body', contentType: minimal().contentType, body: () => '' },
    { name: 'garbage', contentType: minimal().contentType, body: () => 'this is not multipart at all' },
    {
      name: 'a part without Content-Disposition',
      contentType: minimal().contentType,
      body: () => `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${BOUNDARY}--\r\n`,
    },
    {
      name: 'part headers that never end',
      contentType: minimal().contentType,
      body: () => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n${'X-Pad: y\r\n'.repeat(5000)}`,
    },
  ];

  it.each(cases)('$name → 400, not a crash', async ({ contentType, body }) => {
    const response = await post(body() as BodyInit, { ...AUTH, 'Content-Type': contentType });
    expect(response.status, response.text).toBe(400);
    expect(validateErrorResponse(response.body)).toBe(true);
  });

  it.each(['cat;v=2.png', 'a=b.png', 'quote"d.png', 'ünïcødé 猫.png'])(
    'a filename like %j is accepted',
    async (filename) => {
      const parts = minimalParts().map((part) =>
        part.filename !== undefined ? { ...part, filename: filename.replace(/"/g, '%22') } : part,
      );
      const response = await postParts(parts);
      expect(response.status, response.text).toBe(200);
    },
  );

  it('a filename with ; and = that is wrong in other ways is refused by name', async () => {
    const parts = minimalParts().map((part) =>
      part.filename !== undefined ? { ...part, value: 'text', filename: 'x;y=z.png' } : part,
    );
    const response = await postParts(parts);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(`${image}[0]:`);
    expect(response.body.error.message).toContain('x;y=z.png');
  });

  it('a client that disconnects mid-upload does not take the server down', async () => {
    const { body, contentType } = minimal();
    const { hostname, port } = new URL(endpoint());
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => {
        socket.write(
          `POST ${new URL(endpoint()).pathname} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: ${AUTH.Authorization}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length * 10}\r\n\r\n`,
        );
        socket.write(body.subarray(0, body.length / 2), () => {
          socket.destroy();
          resolve();
        });
      });
      socket.on('error', reject);
    });
  });

  it('a request line the HTTP parser rejects gets 400 from Node, and the server lives on', async () => {
    const { hostname, port } = new URL(endpoint());
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
  });
});
