// The built-in hub's outbound guard and requests (issue 14): address classes, callback checks
// with the system resolver, the pinned connection, and the caps of a callback request.
import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FeedwrightError } from '../../src/core/errors.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';
import { classifyAddress, vetCallback } from '../../src/websub/callback-guard.js';
import { deliveryHeaders, retryDelay } from '../../src/websub/hub-delivery.js';
import { grantLease, DEFAULT_LEASE } from '../../src/websub/hub-endpoint.js';
import { callbackRequest } from '../../src/websub/hub-request.js';
import { failure } from '../store/store-contract.js';

describe('the hub callback guard (issue 14)', () => {
  it('classifies addresses: only global unicast is public; private ranges need the operator; the rest never', () => {
    const table: Record<string, string> = {
      '93.184.216.34': 'public',
      '2606:4700::6810:84e5': 'public',
      '127.0.0.1': 'private',
      '127.8.9.10': 'private',
      '::1': 'private',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '192.168.0.1': 'private',
      '169.254.1.1': 'private',
      'fe80::1': 'private',
      'fd12:3456::1': 'private',
      '100.64.0.1': 'private',
      '::ffff:127.0.0.1': 'private',
      '::ffff:10.0.0.1': 'private',
      '::ffff:93.184.216.34': 'public',
      '169.254.169.254': 'forbidden',
      '::ffff:169.254.169.254': 'forbidden',
      'fd00:ec2::254': 'forbidden',
      '100.100.100.200': 'forbidden',
      '0.0.0.0': 'forbidden',
      '::': 'forbidden',
      '224.0.0.1': 'forbidden',
      'ff02::1': 'forbidden',
      '255.255.255.255': 'forbidden',
      '192.0.2.1': 'forbidden',
      '2001:db8::1': 'forbidden',
      '2002:7f00:1::1': 'forbidden',
      '64:ff9b::7f00:1': 'forbidden',
      'not an address': 'forbidden',
    };
    for (const [address, kind] of Object.entries(table)) expect(classifyAddress(address), address).to.equal(kind);
  });

  it('checks callbacks: http(s) only, no credentials; a name is resolved and every address checked', async () => {
    const refused = async (url: string, allowPrivate = false) => {
      const err = await failure(vetCallback(url, allowPrivate));
      expect(err, url).to.be.instanceOf(FeedwrightError);
      expect((err as FeedwrightError).code).to.equal('HUB_CALLBACK_REFUSED');
      return (err as Error).message;
    };
    expect(await refused('ftp://example.org/cb')).to.match(/http or https/);
    expect(await refused('/relative')).to.match(/absolute URL/);
    expect(await refused('http://user:pw@93.184.216.34/cb')).to.match(/credentials/);
    expect(await refused('http://localhost/cb')).to.match(/loopback, private or link-local/);
    expect(await refused('http://127.0.0.1/cb')).to.match(/loopback/);
    expect(await refused('http://[::ffff:7f00:1]/cb')).to.match(/loopback/);
    expect(await refused('http://169.254.169.254/latest/meta-data', true)).to.match(/never calls/);
    // RFC 6761: .invalid never resolves.
    expect(await refused('http://callback.invalid/cb', true)).to.match(/does not resolve/);
    const local = await vetCallback('http://localhost:8080/cb?x=1', true);
    expect(['127.0.0.1', '::1']).to.include(local.address);
    expect(local.url.href).to.equal('http://localhost:8080/cb?x=1');
    const literal = await vetCallback('https://93.184.216.34/cb', false);
    expect(literal).to.include({ address: '93.184.216.34', family: 4 });
  });

  it('grants leases within the bounds (10 days by default, 1 hour to 30 days)', () => {
    expect(grantLease(undefined, DEFAULT_LEASE)).to.equal(864_000);
    expect(grantLease(5, DEFAULT_LEASE)).to.equal(3600);
    expect(grantLease(10 ** 9, DEFAULT_LEASE)).to.equal(30 * 86_400);
    expect(grantLease(7200, DEFAULT_LEASE)).to.equal(7200);
  });

  it('signs a delivery with HMAC-SHA256 of the body (§7.1) and links the hub and the topic', () => {
    const origin = parseOrigin('https://mirror.example') as Origin;
    const body = Buffer.from('<rss/>');
    const h = deliveryHeaders({ url: 'https://mirror.example/rss.xml', contentType: 'application/xml; charset=utf-8' }, origin, body, 'key');
    expect(h).to.deep.equal({
      'Content-Type': 'application/xml; charset=utf-8',
      Link: '<https://mirror.example/websub>; rel="hub", <https://mirror.example/rss.xml>; rel="self"',
      'X-Hub-Signature': `sha256=${createHmac('sha256', 'key').update(body).digest('hex')}`,
    });
    expect(deliveryHeaders({ url: 'u', contentType: 't' }, origin, body, undefined)).not.to.have.property('X-Hub-Signature');
  });

  it('backs off exponentially with jitter, within the cap', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 1000, 5000, () => 1))).to.deep.equal([1000, 2000, 4000, 5000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 1000, 5000, () => 0))).to.deep.equal([500, 1000, 2000, 2500]);
  });
});

describe('a hub callback request (issue 14)', function () {
  this.timeout(60_000);
  let server: Server;
  let port: number;
  const hits: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/big') res.end(Buffer.alloc(10_000, 97));
      else if (req.url === '/moved') res.writeHead(302, { Location: `http://127.0.0.1:${port}/target` }).end();
      else if (req.url === '/silent') return; // never answers
      else res.end(`host ${req.headers.host}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  const limits = { timeoutMs: 10_000, maxResponseBytes: 1024 };

  it('connects to the vetted address whatever the name would resolve to now (DNS rebinding)', async () => {
    // The URL's name does not resolve at all; the request still reaches the address vetted.
    const target = { url: new URL(`http://rebound.invalid:${port}/pinned`), address: '127.0.0.1', family: 4 as const };
    const answer = await callbackRequest(target, 'GET', limits);
    expect(answer.status).to.equal(200);
    expect(answer.body.toString()).to.equal(`host rebound.invalid:${port}`);
  });

  it('does not follow a redirect, caps the answer size and the time', async () => {
    const at = (path: string) => ({ url: new URL(`http://127.0.0.1:${port}${path}`), address: '127.0.0.1', family: 4 as const });
    const moved = await callbackRequest(at('/moved'), 'GET', limits);
    expect(moved.status).to.equal(302);
    expect(hits).not.to.include('/target');
    const big = await failure(callbackRequest(at('/big'), 'GET', limits));
    expect((big as FeedwrightError).code).to.equal('HUB_CALLBACK_FAILED');
    expect((big as Error).message).to.match(/larger than 1024 bytes/);
    const slow = await failure(callbackRequest(at('/silent'), 'GET', { timeoutMs: 300, maxResponseBytes: 1024 }));
    expect((slow as Error).message).to.match(/no complete answer within 300 ms/);
  });
});
