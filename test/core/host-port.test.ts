// Joining a host and a port into a URI authority or URL (RFC 3986 §3.2.2, RFC 6874): an IPv6
// literal goes in brackets, everywhere feedwright prints one (serve's listening line, its
// "cannot listen" line), unit-tested here and through the built CLI with HOST=::1.
import { expect } from 'chai';
import { listenFailure } from '../../src/cli/serve.js';
import { hostPort, listeningUrl } from '../../src/core/host-port.js';
import { makeDataDir, removeDir } from '../support/fixtures.js';
import { startServeProcess } from '../support/serve-process.js';

describe('host and port in a URL (RFC 3986 §3.2.2)', function () {
  this.timeout(120_000);

  it('hostPort brackets an IPv6 literal (its zone id as %25), and leaves names and IPv4 as they are', () => {
    expect(hostPort('::1', 3000)).to.equal('[::1]:3000');
    expect(hostPort('2001:db8::7', 80)).to.equal('[2001:db8::7]:80');
    expect(hostPort('[::1]', 3000), 'already bracketed').to.equal('[::1]:3000');
    expect(hostPort('fe80::1%eth0', 8080)).to.equal('[fe80::1%25eth0]:8080');
    expect(hostPort('127.0.0.1', 3000)).to.equal('127.0.0.1:3000');
    expect(hostPort('feeds.example.org', 443)).to.equal('feeds.example.org:443');
  });

  it('listeningUrl is a URL that parses to the same host and port; the wildcard addresses are shown as localhost', () => {
    for (const [host, url] of [['::1', 'http://[::1]:3000/'], ['127.0.0.1', 'http://127.0.0.1:3000/'], ['0.0.0.0', 'http://localhost:3000/'], ['::', 'http://localhost:3000/'], ['', 'http://localhost:3000/'], ['feeds.local', 'http://feeds.local:3000/']] as const) {
      expect(listeningUrl(host, 3000), host).to.equal(url);
      expect(new URL(listeningUrl(host, 3000)).port, host).to.equal('3000');
    }
  });

  it('the "cannot listen" line names an IPv6 host in brackets', () => {
    expect(listenFailure({ code: 'EADDRINUSE' }, '::1', 3000)).to.match(/^cannot listen on \[::1\]:3000: address already in use/);
  });

  it('serve with HOST=::1 logs its listening URL as http://[::1]:PORT/, which answers', async function () {
    const dir = makeDataDir();
    try {
      const serve = await startServeProcess(dir, { HOST: '::1' });
      try {
        const line = /feedwright serving .* on (\S+) /.exec(serve.stdout())?.[1];
        expect(line, serve.output()).to.equal(`http://[::1]:${serve.port}/`);
        const r = await fetch(new URL('/healthz', line));
        expect(r.status).to.be.oneOf([200, 503]);
      } finally {
        await serve.stop();
      }
    } finally {
      removeDir(dir);
    }
  });
});
