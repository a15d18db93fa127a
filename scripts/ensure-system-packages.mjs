// Runs before `npm test` and `npm run test:reliability` (npm's pre-scripts):
// the programs the tests start must be on this machine. As root on Debian or
// Ubuntu they are installed from the distribution's packages; anywhere else
// the user gets one line with the command to run, never a stack trace.
// Plain Node (no dependencies): it must work before anything else does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What the tests need: how to find it, and the Debian package that has it. */
const NEEDS = {
  test: [
    {
      what: 'redis-server',
      found: () => onPath('redis-server'),
      pkg: 'redis-server',
      why: 'every integration test starts its own',
    },
    { what: 'redis-cli', found: () => onPath('redis-cli'), pkg: 'redis-tools', why: 'the start-script tests use it' },
    {
      what: `chromium (${chromium})`,
      found: () => existsSync(chromium),
      pkg: 'chromium',
      why: 'the browser tests drive it; set CHROMIUM_PATH for another Chromium',
    },
    {
      what: 'prometheus and promtool',
      found: () => onPath('prometheus') && onPath('promtool'),
      pkg: 'prometheus',
      why: 'the metrics tests scrape the processes with a real Prometheus and unit-test the alert rules',
    },
  ],
  reliability: [
    {
      what: 'redis-server',
      found: () => onPath('redis-server'),
      pkg: 'redis-server',
      why: 'every scenario starts its own',
    },
    {
      what: 'redis-cli',
      found: () => onPath('redis-cli'),
      pkg: 'redis-tools',
      why: 'the many-hosts scenario builds its rate-limit cluster with it',
    },
    { what: 'ip', found: () => onPath('ip'), pkg: 'iproute2', why: 'the partition scenarios make network namespaces' },
  ],
};

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function fail(line) {
  process.stderr.write(`${line}\n`);
  process.exit(1);
}

const suite = process.argv[2] ?? 'test';
const missing = (NEEDS[suite] ?? []).filter((need) => !need.found());
if (missing.length === 0) process.exit(0);

const packages = [...new Set(missing.map((need) => need.pkg))];
const list = missing.map((need) => `${need.what} (${need.why})`).join('; ');
const root = process.getuid?.() === 0;
// The hint fits the user: root has no sudo to go through (and often none installed).
const command = `${root ? '' : 'sudo '}apt-get install -y ${packages.join(' ')}`;
const canInstall = root && onPath('apt-get') && !process.env.DM_JOBQUEUE_NO_INSTALL;
// Another apt-get (unattended upgrades, a second test run) may hold the dpkg lock: wait for it, as apt can.
const LOCK_TIMEOUT_SECONDS = 600;
if (!canInstall)
  fail(
    `npm ${suite === 'test' ? 'test' : `run test:${suite}`} needs ${list}, which this machine lacks: install it with \`${command}\` (Debian/Ubuntu; on other systems their own packages), then run it again.`,
  );

process.stdout.write(`Installing ${packages.join(', ')} from Debian's packages for the tests: ${list}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) =>
  spawnSync('apt-get', ['-o', `DPkg::Lock::Timeout=${LOCK_TIMEOUT_SECONDS}`, ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  }).status === 0;
if (!run(['update', '-qq']) || !run(['install', '-y', '-qq', '--no-install-recommends', ...packages])) {
  fail(
    `installing ${packages.join(', ')} failed (see apt-get's message above): run \`${command}\` yourself, then run the tests again.`,
  );
}
const still = missing.filter((need) => !need.found());
if (still.length > 0)
  fail(
    `${still.map((need) => need.what).join(', ')} is still missing after apt-get install ${packages.join(' ')}: set CHROMIUM_PATH or install it by hand.`,
  );
