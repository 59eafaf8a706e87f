/**
 * The development IdP (oidc-provider) prints its notices and warnings with console.info/warn as
 * plain text. Imported first by main.ts, so that it is in place before oidc-provider is loaded
 * (one of its warnings is printed at import), this turns those lines into JSON log lines on
 * stderr, the stream of every other line. Other console output is left as it is.
 */
const PREFIX = /^oidc-provider (NOTICE|WARNING): /;
// oidc-provider colours its lines on a terminal.
const ANSI = /\x1b\[[0-9;]*m/g; // eslint-disable-line no-control-regex

type Sink = (level: 'info' | 'warn', msg: string) => void;
/** Until main.ts hands over its logger: the same JSON shape, straight to stderr. */
let sink: Sink = (level, msg) =>
  process.stderr.write(
    JSON.stringify({
      level,
      time: new Date().toISOString(),
      pid: process.pid,
      msg,
      source: 'oidc-provider',
    }) + '\n',
  );

/** Sends the lines through the service's logger (its level and format) from now on. */
export function setConsoleSink(s: Sink): void {
  sink = s;
}

function wrap(level: 'info' | 'warn', original: (...args: unknown[]) => void) {
  return (...args: unknown[]): void => {
    const first = typeof args[0] === 'string' ? args[0].replace(ANSI, '') : undefined;
    if (args.length === 1 && first !== undefined && PREFIX.test(first))
      sink(level, first.replace(PREFIX, ''));
    else original(...args);
  };
}

console.info = wrap('info', console.info.bind(console));
console.warn = wrap('warn', console.warn.bind(console));
