import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first stdout/stderr line matching `pattern`. */
  waitForLine(pattern: RegExp, options?: { stream?: 'stdout' | 'stderr'; timeoutMs?: number }): Promise<string>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], onLine?: (line: string) => void): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    into.push(...lines);
    if (onLine) lines.forEach(onLine);
  });
}

/**
 * Starts a TypeScript entry (`src/server.ts`, `src/worker.ts`) as a real Node
 * process through tsx, with the given environment on top of APP_ENV=test
 * (pass APP_ENV to change it). Used by the end-to-end tests and `npm run demo`.
 */
export function startNodeProcess(
  entry: string,
  env: Record<string, string>,
  options: {
    onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
    nodeArgs?: string[];
    /** false: `entry` is compiled JavaScript, run without the tsx loader. */
    typescript?: boolean;
    /** Working directory (default the project root); `entry` may then be absolute. */
    cwd?: string;
    /** A command that runs node, e.g. `['setpriv', '--reuid=65534', …]` to drop privileges. */
    wrapper?: string[];
  } = {},
): NodeProcess {
  const loader = options.typescript === false ? [] : ['--import', 'tsx'];
  const nodeArgs = [
    ...(options.nodeArgs ?? []),
    ...loader,
    path.isAbsolute(entry) ? entry : path.join(PROJECT_ROOT, entry),
  ];
  const [wrapper, ...wrapperArgs] = options.wrapper ?? [];
  const child = spawn(
    wrapper ?? process.execPath,
    wrapper ? [...wrapperArgs, process.execPath, ...nodeArgs] : nodeArgs,
    {
      cwd: options.cwd ?? PROJECT_ROOT,
      env: { ...process.env, APP_ENV: 'test', LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const { onLine } = options;
  collectLines(child.stdout, stdout, onLine && ((line) => onLine('stdout', line)));
  collectLines(child.stderr, stderr, onLine && ((line) => onLine('stderr', line)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout,
    stderr,
    exited,
    waitForLine(pattern, { stream, timeoutMs = 20_000 } = {}) {
      const sources = stream ? [stream === 'stdout' ? stdout : stderr] : [stdout, stderr];
      return waitFor(() => sources.flat().find((line) => pattern.test(line)), {
        timeoutMs,
        what: `${entry} to print ${pattern}; stdout:\n${stdout.join('\n')}\nstderr:\n${stderr.join('\n')}`,
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
