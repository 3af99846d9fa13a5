// A strict reader of the Prometheus text exposition format (0.0.4): every line must be a
// comment, a HELP/TYPE line, or `name{labels} value`. Returns samples; throws on bad lines.
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"$/;

export function parsePrometheus(text) {
  const samples = [];
  const types = new Map();
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  for (const line of lines.slice(0, -1)) {
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, rest] = line.match(/^# (HELP|TYPE) (\S+) ?(.*)$/) || [];
      if (!name || !NAME.test(name)) throw new Error(`bad metadata line: ${line}`);
      if (kind === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`bad type: ${line}`);
        if (types.has(name)) throw new Error(`duplicate TYPE for ${name}`);
        types.set(name, rest);
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = line.match(SAMPLE);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels = {};
    if (m[3]) {
      for (const part of m[3].split(/,(?=[a-zA-Z_])/)) {
        const l = part.match(LABEL);
        if (!l) throw new Error(`bad label in: ${line}`);
        labels[l[1]] = l[2];
      }
    }
    const value = Number(m[4]);
    samples.push({ name: m[1], labels, value, type: types.get(m[1]) });
  }
  return samples;
}
