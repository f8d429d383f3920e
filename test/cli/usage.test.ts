// The command line's grammar (src/cli/options.ts, src/cli/commands.ts) through the built CLI:
// --version, help generated from the command table, and usage errors that name what was wrong
// and exit 2.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from '../../src/cli/commands.js';
import { ROOT } from '../support/paths.js';
import { runCli } from '../support/cli-run.js';

describe('cli usage (issue 12)', function () {
  this.timeout(120_000);

  it('--version prints the version in package.json and exits 0', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = runCli(['--version']);
    expect(r.status, r.all).to.equal(0);
    expect(r.stdout.trim()).to.equal(`feedwright ${version}`);
    expect(runCli(['compile', '--version']).stdout.trim(), 'after a command too, without running it').to.equal(`feedwright ${version}`);
  });

  it('an unknown command exits 2, names it on stderr and suggests the closest command', () => {
    const r = runCli(['compiel']);
    expect(r.status, r.all).to.equal(2);
    expect(r.stderr).to.include('unknown command "compiel"');
    expect(r.stderr).to.include('did you mean "compile"?');
    expect(r.stdout).to.equal('');
    const far = runCli(['frobnicate']);
    expect(far.status).to.equal(2);
    expect(far.stderr).to.include('"frobnicate"');
    expect(far.stderr, 'nothing close: no suggestion').to.not.include('did you mean');
  });

  it('an unknown option exits 2, names it and the command, and suggests the closest option', () => {
    const r = runCli(['compile', '--verbos']);
    expect(r.status, r.all).to.equal(2);
    expect(r.stderr).to.include('unknown option --verbos for compile (did you mean --verbose?)');
    expect(r.stderr).to.not.match(/^\s+at /m);
    // An option of another command is unknown here.
    const other = runCli(['check', '--dry-run']);
    expect(other.status).to.equal(2);
    expect(other.stderr).to.include('--dry-run');
  });

  it('an unknown short option suggests the long options it may stand for (-v → --version; for compile, --verbose or --version)', () => {
    for (const [args, suggestion] of [[['-v'], '(did you mean --version?)'], [['-V'], '(did you mean --version?)'], [['compile', '-v'], 'for compile (did you mean --verbose or --version?)']] as const) {
      const r = runCli([...args]);
      expect(r.status, r.all).to.equal(2);
      expect(r.stderr, args.join(' ')).to.include(`unknown option ${args[args.length - 1] as string} ${suggestion}`);
    }
    expect(runCli(['serve', '-x']).stderr, 'no option starts with x: no suggestion').to.not.include('did you mean');
  });

  it('a missing value, a value given to a flag, and a surplus or missing argument each exit 2 naming it', () => {
    const cases: [string[], string][] = [
      [['compile', '--data'], '--data needs a value'],
      [['compile', '--json=yes'], '--json takes no value'],
      [['check', 'extra'], 'unexpected argument extra'],
      [['import'], 'import needs a feed file or an http(s) URL'],
      [['backup'], 'backup needs the file to write'],
      [['help', 'nope'], 'unknown command "nope"'],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args);
      expect(r.status, `${args.join(' ')}: ${r.all}`).to.equal(2);
      expect(r.stderr, args.join(' ')).to.include(message);
    }
  });

  it('a bad option value (--log-level, --database-url, --post-types) exits 2 naming the option and what it takes, before any work', () => {
    const cases: [string[], RegExp][] = [
      [['check', '--log-level=bogus'], /^feedwright: --log-level "bogus" is not one of trace, debug, info, warn, error, fatal, silent\nSee 'feedwright check --help'\.\n$/],
      [['--log-level', 'loud', 'compile'], /^feedwright: --log-level "loud" is not one of trace, debug, info, warn, error, fatal, silent\n/],
      [['stats', '--database-url=mysql://user:secret@db/x'], /^feedwright: --database-url must be a postgres:\/\/ or postgresql:\/\/ URL/],
      [['import', 'x.xml', '--post-types', 'post;page'], /^feedwright: --post-types needs a list of WordPress post types/],
    ];
    for (const [args, message] of cases) {
      const r = runCli(args, { env: { FEEDWRIGHT_DATA: '/nonexistent/feedwright-usage-test' } });
      expect(r.status, `${args.join(' ')}: ${r.all}`).to.equal(2);
      expect(r.stderr, args.join(' ')).to.match(message);
      expect(r.stderr, 'never the URL\'s password').to.not.include('secret');
    }
    // Any case, as LOG_LEVEL: accepted.
    expect(runCli(['help', '--log-level=WARN']).status).to.equal(0);
    // The environment variable is a setting, not the command line: still exit 1, naming it.
    const env = runCli(['check'], { env: { LOG_LEVEL: 'bogus', FEEDWRIGHT_DATA: '/nonexistent/feedwright-usage-test' } });
    expect(env.status, env.all).to.equal(1);
    expect(env.stderr).to.include('LOG_LEVEL "bogus" is not a log level');
  });

  it('feedwright help lists every command of the table; help CMD and CMD --help list its options', () => {
    const r = runCli(['help']);
    expect(r.status).to.equal(0);
    for (const c of COMMANDS) expect(r.stdout).to.match(new RegExp(`^  ${c.name} +${c.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`, 'm'));
    for (const c of COMMANDS) {
      const help = runCli(['help', c.name]);
      expect(help.status).to.equal(0);
      expect(help.stdout).to.include(`Usage: feedwright ${c.name}`);
      for (const o of c.options) expect(help.stdout, `${c.name} --${o.name}`).to.include(`--${o.name}`);
      expect(help.stdout).to.include('--data DIR');
      expect(runCli([c.name, '--help']).stdout).to.equal(help.stdout);
    }
  });
});
