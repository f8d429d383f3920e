// The compile's long loops on the serving thread give way to requests between slices (issue 10).
import { expect } from 'chai';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTimeSlicer } from '../../src/compile/time-slice.js';

describe('time slices (src/compile/time-slice.ts)', () => {
  it('a spent slice waits one turn of the event loop: a callback queued before runs first', async () => {
    const slicer = createTimeSlicer(0);
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    expect(slicer.due()).to.equal(true);
    await slicer.pause();
    order.push('after pause');
    expect(order).to.deep.equal(['queued', 'after pause']);
  });

  it('a slice that lasts gives nothing away: pause() returns before a queued callback runs', async () => {
    const slicer = createTimeSlicer(60_000);
    const order: string[] = [];
    setImmediate(() => order.push('queued'));
    expect(slicer.due()).to.equal(false);
    await slicer.pause();
    order.push('after pause');
    expect(order[0]).to.equal('after pause');
  });

  it('a loop of 300 ms of work in 8 ms slices lets a real HTTP request be answered before it ends', async () => {
    let answeredAt = -1;
    let loopEnded = -1;
    let tick = 0;
    const server: Server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const asked = new Promise<void>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/' }, (res) => {
          res.resume();
          res.on('end', () => {
            answeredAt = (tick += 1);
            resolve();
          });
        }).on('error', reject);
      });
      const slicer = createTimeSlicer(8);
      const until = performance.now() + 300;
      while (performance.now() < until) {
        if (slicer.due()) await slicer.pause();
      }
      loopEnded = (tick += 1);
      await asked;
    } finally {
      server.close();
    }
    expect(answeredAt, 'the request was answered while the loop ran').to.be.lessThan(loopEnded);
  });
});
