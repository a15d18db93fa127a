import { execFileSync } from 'node:child_process';

/** Runs `ip …` (we are root in the test); throws with its stderr on failure. */
function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether this machine lets the test create network namespaces (root, iproute2, a kernel with netns and veth). */
export function netnsSupport(): { ok: true } | { ok: false; reason: string } {
  const probe = `relprobe${process.pid}`;
  try {
    ip('netns', 'add', probe);
    ip('-n', probe, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: `network namespaces cannot be created here: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    };
  } finally {
    try {
      ip('netns', 'del', probe);
    } catch {
      // It was never made.
    }
  }
}

export interface NetHost {
  /** The namespace, for `ip netns exec`. */
  readonly ns: string;
  /** Its address on the test network. */
  readonly addr: string;
  /** Prefix for startNodeProcess: `['ip', 'netns', 'exec', ns]`. */
  readonly wrapper: string[];
  /** Cuts (`false`) or heals (`true`) the host's link: its bridge port goes down, packets are dropped silently, as on a pulled cable. */
  setLink(up: boolean): void;
  /** Drops this host's packets to `addr` only (a blackhole route), e.g. to cut the API from Redis but not from its clients. */
  blockTo(addr: string, blocked: boolean): void;
}

export interface TestNetwork {
  /** The addresses are 10.231.<subnet>.0/24. */
  readonly subnet: number;
  /** This (the test's) side: the root namespace's address on the network. */
  readonly testAddr: string;
  host(name: string): NetHost;
  /** Deletes every namespace and link made; safe to call twice. */
  destroy(): void;
}

let networks = 0;
// A run that ends by an error or a signal must not leave namespaces and links behind.
const live = new Set<TestNetwork>();
process.once('exit', () => {
  for (const network of live) network.destroy();
});

/**
 * A private network for one scenario: a "switch" namespace with a bridge, one
 * namespace per host on a veth pair to it, and a veth from the test's own
 * (root) namespace so the test reaches every host. Addresses
 * 10.231.<random>.0/24 exist only on these links.
 * @example const net = createTestNetwork(); const redis = net.host('redis'); … net.destroy();
 */
export function createTestNetwork(): TestNetwork {
  networks += 1;
  const id = `${process.pid % 100_000}${networks}`;
  const subnet = 1 + Math.floor(Math.random() * 250);
  const made: string[] = [];
  const links: string[] = [];
  const sw = `rel${id}-sw`;
  const rootLink = `rl${id}`;
  const destroy = () => {
    for (const link of links.splice(0)) {
      try {
        ip('link', 'del', link);
      } catch {
        // Gone with its peer's namespace.
      }
    }
    for (const ns of made.splice(0).reverse()) {
      try {
        ip('netns', 'del', ns);
      } catch {
        // Already deleted.
      }
    }
  };
  try {
    ip('netns', 'add', sw);
    made.push(sw);
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    // The test's own leg: root side `rl<id>`, switch side `t0`.
    ip('link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 't0', 'netns', sw);
    links.push(rootLink);
    ip('-n', sw, 'link', 'set', 't0', 'master', 'br0', 'up');
    ip('addr', 'add', `10.231.${subnet}.1/24`, 'dev', rootLink);
    ip('link', 'set', rootLink, 'up');
  } catch (error) {
    destroy();
    throw error;
  }
  let hosts = 0;
  const network: TestNetwork = {
    subnet,
    testAddr: `10.231.${subnet}.1`,
    host(name) {
      hosts += 1;
      const ns = `rel${id}-${name}`;
      const addr = `10.231.${subnet}.${hosts + 1}`;
      const port = `h${hosts}`;
      ip('netns', 'add', ns);
      made.push(ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', sw, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('-n', sw, 'link', 'set', port, 'master', 'br0', 'up');
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      // A dead peer is noticed after ~6 s of unanswered retransmits instead of ~15 min: this is the host's kernel, not our code.
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.tcp_retries2=4']);
      return {
        ns,
        addr,
        wrapper: ['ip', 'netns', 'exec', ns],
        setLink: (up) => void ip('-n', sw, 'link', 'set', port, up ? 'up' : 'down'),
        blockTo: (target, blocked) => void ip('-n', ns, 'route', blocked ? 'add' : 'del', 'blackhole', `${target}/32`),
      };
    },
    destroy() {
      live.delete(network);
      destroy();
    },
  };
  live.add(network);
  return network;
}
