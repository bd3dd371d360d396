/**
 * docker's `--format`: the subset of Go's text/template that docker's views need, rendered as
 * docker 20.10's formatter renders it (cli/command/formatter/formatter.go, templates/templates.go).
 * Pure.
 *
 * The format is prepared as docker prepares it: a leading `table` is the table directive and is
 * cut off, `json` alone means `{{json .}}` (the newer CLI's shorthand), spaces around are
 * trimmed, and the two-character sequences `\t` and `\n` become a tab and a newline. Each row
 * is the template's output plus a newline. With the table directive, a header line comes
 * first, made by running the same template over the view's column names with docker's header
 * functions (json, split, join, title, lower, upper and truncate give the name back unchanged;
 * pad pads it), and everything goes through the tab writer.
 *
 * What is understood: literal text; actions `{{...}}` with the trim markers `{{- ` and ` -}}`;
 * in them `.Field`, `.` (only as the argument of json), string literals ("..." with Go's
 * escapes, `raw`), decimal integers, parentheses, pipelines with `|` (the value piped in is the
 * last argument, as in Go), and docker's functions json upper lower title pad truncate join
 * split with Go's argument types. Anything else (range, if, variables, Go's built-in functions,
 * an unknown function or placeholder, a wrong argument) is a usage error naming it, found
 * before anything is printed: docker would print something else, or fail half-way.
 *
 * Values printed from rows have control characters shown as escapes (escape.ts): a row's text
 * can add neither a cell nor a line; the format's own literals are printed as written. docker
 * folds tabs and newlines where it means to (history's CREATED BY, search's DESCRIPTION)
 * before this, so ordinary output is docker's.
 */
import { usage } from '../../errors.js';
import { escapeControls, escapeControlsInJson } from '../escape.js';
import { tabwrite } from './tabwriter.js';

/** What a view offers to --format: its placeholders, their column headers and their values. */
export interface DockerView<Row> {
  /** What a row is, for messages: `an image`. */
  readonly noun: string;
  /** Placeholder name (without the dot) → the header the table directive prints for it. */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * The placeholders' values for a row, every one of `headers` (a getter computes a costly one
   * only when read). `marshalled` is true once `json .` has run on the row: docker's search
   * context answers differently from then on.
   */
  values(row: Row, marshalled: boolean): Readonly<Record<string, string>>;
}

/** Renders `rows` through a docker --format string; throws a usage error for a format outside the subset. */
export function renderFormat<Row>(format: string, view: DockerView<Row>, rows: readonly Row[]): string {
  const table = format.startsWith('table');
  let source = table ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  source = source.replace(/^ +| +$/g, '').replace(/\\([tn])/g, (_, c: string) => (c === 't' ? '\t' : '\n'));
  const nodes = parseTemplate(source, view);
  const body = rows.map((row) => `${executeRow(nodes, view, row)}\n`).join('');
  return table ? tabwrite(`${executeHeader(nodes, view)}\n${body}`) : body;
}

// ---------------------------------------------------------------------------------------
// Parsing

type Operand =
  | { kind: 'field'; name: string }
  | { kind: 'dot' }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'function'; name: string }
  | { kind: 'group'; pipeline: Pipeline };

type Command = Operand[];
type Pipeline = Command[];
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Pipeline };

/** Value types, statically known in a row: every placeholder is a string. */
type Type = 'string' | 'int' | 'list' | 'dot';

const FUNCTIONS: Record<string, { params: readonly (Type | 'any')[]; result: Type }> = {
  json: { params: ['any'], result: 'string' },
  split: { params: ['string', 'string'], result: 'list' },
  join: { params: ['list', 'string'], result: 'string' },
  title: { params: ['string'], result: 'string' },
  lower: { params: ['string'], result: 'string' },
  upper: { params: ['string'], result: 'string' },
  pad: { params: ['string', 'int', 'int'], result: 'string' },
  truncate: { params: ['string', 'int'], result: 'string' },
};

const FUNCTION_LIST = Object.keys(FUNCTIONS).join(' ');
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil', 'true', 'false']);
const GO_BUILTINS = new Set(['and', 'or', 'not', 'len', 'index', 'slice', 'print', 'printf', 'println', 'html', 'js', 'urlquery', 'call', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']);
const SPACE = /[ \t\r\n]/;

class FormatError {
  constructor(readonly message: string) {}
}

function parseTemplate<Row>(source: string, view: DockerView<Row>): Node[] {
  const nodes: Node[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = source.slice(pos, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      if (text) nodes.push({ kind: 'text', text });
      break;
    }
    const trimLeft = source[open + 2] === '-' && SPACE.test(source[open + 3] ?? '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) nodes.push({ kind: 'text', text });
    const start = open + (trimLeft ? 4 : 2);
    const lexed = lexAction(source, start);
    const shown = source.slice(open, lexed.end);
    try {
      const pipeline = new ActionParser(lexed.tokens).parse();
      if (typeOfPipeline(pipeline, view) === 'dot') throw new FormatError("the whole row is docker's internal structure: print it with {{json .}}");
      nodes.push({ kind: 'action', pipeline });
    } catch (err) {
      if (err instanceof FormatError) throw badFormat(`${shown}: ${err.message}`);
      throw err;
    }
    trimNext = lexed.trimRight;
    pos = lexed.end;
  }
  return nodes;
}

function badFormat(what: string) {
  return usage(`template ${what}`, { hint: `docker's templates here take .Placeholders, "strings", integers, | and the functions ${FUNCTION_LIST}` });
}

type Token =
  | { kind: 'field'; name: string }
  | { kind: 'dot' | 'pipe' | 'open' | 'close' }
  | { kind: 'identifier'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number };

/** The tokens of the action starting at `pos` (just inside `{{` and any trim marker), and where it ends. */
function lexAction(source: string, pos: number): { tokens: Token[]; end: number; trimRight: boolean } {
  const tokens: Token[] = [];
  const fail = (why: string, at: number): never => {
    throw badFormat(`${source.slice(pos - 2, Math.min(at + 1, source.length))}: ${why}`);
  };
  if (source.startsWith('/*', pos)) fail('template comments are not supported', pos + 1);
  let i = pos;
  for (;;) {
    if (i >= source.length) fail('the action is not closed with }}', i);
    const c = source[i]!;
    if (SPACE.test(c)) {
      let j = i;
      while (j < source.length && SPACE.test(source[j]!)) j++;
      if (source.startsWith('-}}', j)) return { tokens, end: j + 3, trimRight: true };
      i = j;
      continue;
    }
    if (source.startsWith('}}', i)) return { tokens, end: i + 2, trimRight: false };
    if (c === '|' || c === '(' || c === ')') {
      tokens.push({ kind: c === '|' ? 'pipe' : c === '(' ? 'open' : 'close' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"' && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      if (source[j] !== '"') fail('a quoted string is not terminated', j);
      tokens.push({ kind: 'string', value: unquote(source.slice(i + 1, j), (why) => fail(why, j)) });
      i = j + 1;
    } else if (c === '`') {
      const j = source.indexOf('`', i + 1);
      if (j < 0) fail('a raw string is not terminated', source.length);
      tokens.push({ kind: 'string', value: source.slice(i + 1, j).replace(/\r/g, '') });
      i = j + 1;
    } else if (c === '.' && /[\p{L}_]/u.test(source[i + 1] ?? '')) {
      const m = /^\.([\p{L}_][\p{L}\p{Nd}_]*)/u.exec(source.slice(i))!;
      // Right after a value (no space between), Go reads a field of that value.
      const prev = tokens[tokens.length - 1];
      if (prev && !SPACE.test(source[i - 1]!) && prev.kind !== 'pipe' && prev.kind !== 'open') fail('fields of values are not supported', i + m[0].length - 1);
      tokens.push({ kind: 'field', name: m[1]! });
      i += m[0].length;
    } else if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && /[0-9]/.test(source[i + 1] ?? ''))) {
      const m = /^[-+.]?[0-9A-Za-z_.]*(?:[eEpP][-+][0-9A-Za-z_.]*)?/.exec(source.slice(i))!;
      if (!/^[-+]?(?:0|[1-9][0-9]*)$/.test(m[0]) || !Number.isSafeInteger(Number(m[0]))) fail(`the number ${m[0]} is not supported: use a decimal integer`, i + m[0].length - 1);
      tokens.push({ kind: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (c === '.') {
      tokens.push({ kind: 'dot' });
      i++;
    } else if (/[\p{L}_]/u.test(c)) {
      const m = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(source.slice(i))!;
      tokens.push({ kind: 'identifier', name: m[0] });
      i += m[0].length;
    } else if (c === '$') fail('variables are not supported', i);
    else if (c === "'") fail('character constants are not supported', i);
    else fail(`'${c}' is not supported in an action`, i);
  }
}

/** A Go interpreted string literal's body: its escapes, as strconv.Unquote reads them. */
function unquote(body: string, fail: (why: string) => never): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; ) {
    const cp = body.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (ch !== '\\') {
      bytes.push(...encoder.encode(ch));
      continue;
    }
    const e = body[i++] ?? '';
    const hex = (n: number) => {
      const digits = body.slice(i, i + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) fail(`the escape \\${e}${digits} is not valid`);
      i += n;
      return parseInt(digits, 16);
    };
    if (e in simple) bytes.push(simple[e]!);
    else if (e === 'x') bytes.push(hex(2));
    else if (e === 'u' || e === 'U') {
      const v = hex(e === 'u' ? 4 : 8);
      if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) fail(`the escape \\${e}${v.toString(16)} is not a character`);
      bytes.push(...encoder.encode(String.fromCodePoint(v)));
    } else if (/[0-7]/.test(e)) {
      const digits = e + body.slice(i, i + 2);
      if (!/^[0-7]{3}$/.test(digits) || parseInt(digits, 8) > 255) fail(`the escape \\${digits} is not valid`);
      i += 2;
      bytes.push(parseInt(digits, 8));
    } else fail(`the escape \\${e} is not valid`);
  }
  // Bytes from \x and octal escapes may not be UTF-8: those show as U+FFFD, as a terminal would.
  return new TextDecoder().decode(new Uint8Array(bytes));
}

class ActionParser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Pipeline {
    if (this.tokens.length === 0) throw new FormatError('the action is empty');
    const pipeline = this.pipeline();
    if (this.i < this.tokens.length) throw new FormatError("a ')' has no '('");
    return pipeline;
  }

  private pipeline(): Pipeline {
    const commands: Command[] = [this.command()];
    while (this.tokens[this.i]?.kind === 'pipe') {
      this.i++;
      // Go takes a '|' with nothing after it as the end of the pipeline.
      const next = this.tokens[this.i];
      if (next === undefined || next.kind === 'close') break;
      commands.push(this.command());
    }
    return commands;
  }

  private command(): Command {
    const operands: Operand[] = [];
    for (let t = this.tokens[this.i]; t && t.kind !== 'pipe' && t.kind !== 'close'; t = this.tokens[this.i]) {
      operands.push(this.operand(t));
    }
    if (operands.length === 0) throw new FormatError('a command is missing (around | or parentheses)');
    return operands;
  }

  private operand(t: Token): Operand {
    this.i++;
    switch (t.kind) {
      case 'field':
        return { kind: 'field', name: t.name };
      case 'dot':
        return { kind: 'dot' };
      case 'string':
        return { kind: 'string', value: t.value };
      case 'number':
        return { kind: 'number', value: t.value };
      case 'identifier':
        if (KEYWORDS.has(t.name)) throw new FormatError(`'${t.name}' is not supported`);
        if (GO_BUILTINS.has(t.name)) throw new FormatError(`the function ${t.name} is not supported`);
        if (!(t.name in FUNCTIONS)) throw new FormatError(`there is no function ${t.name}`);
        return { kind: 'function', name: t.name };
      case 'open': {
        const pipeline = this.pipeline();
        if (this.tokens[this.i]?.kind !== 'close') throw new FormatError("a '(' is not closed");
        this.i++;
        return { kind: 'group', pipeline };
      }
      default:
        throw new FormatError("a ')' has no '('");
    }
  }
}

// ---------------------------------------------------------------------------------------
// Checking: the type of every value in a row is known before any row is rendered.

function typeOfPipeline<Row>(pipeline: Pipeline, view: DockerView<Row>): Type {
  let piped: Type | undefined;
  for (const command of pipeline) piped = typeOfCommand(command, piped, view);
  return piped!;
}

function typeOfCommand<Row>(command: Command, piped: Type | undefined, view: DockerView<Row>): Type {
  const [head, ...args] = command;
  if (head!.kind !== 'function') {
    if (args.length > 0 || piped !== undefined) throw new FormatError(`${describe(head!)} is not a function and takes no arguments`);
    return typeOfOperand(head!, view);
  }
  const spec = FUNCTIONS[head!.name]!;
  const types = args.map((a) => typeOfOperand(a, view));
  if (piped !== undefined) types.push(piped);
  if (types.length !== spec.params.length) throw new FormatError(`${head!.name} takes ${spec.params.length} argument${spec.params.length === 1 ? '' : 's'}, not ${types.length}`);
  types.forEach((type, k) => {
    const want = spec.params[k]!;
    if (want !== 'any' && type !== want) throw new FormatError(`argument ${k + 1} of ${head!.name} must be ${TYPE_NAMES[want]}, not ${TYPE_NAMES[type]}`);
    // Go panics on a negative count (strings.Repeat, a slice bound); docker reports it half-way.
    const arg = k < args.length ? args[k]! : undefined;
    if (want === 'int' && arg?.kind === 'number' && arg.value < 0) throw new FormatError(`argument ${k + 1} of ${head!.name} must not be negative`);
  });
  return spec.result;
}

const TYPE_NAMES: Record<Type, string> = { string: 'a string', int: 'an integer', list: 'a list (from split)', dot: 'the whole row (.)' };

function typeOfOperand<Row>(operand: Operand, view: DockerView<Row>): Type {
  switch (operand.kind) {
    case 'field':
      if (!Object.hasOwn(view.headers, operand.name)) {
        throw new FormatError(`${view.noun} has no placeholder .${operand.name}; it has ${Object.keys(view.headers).map((k) => `.${k}`).join(' ')}`);
      }
      return 'string';
    case 'dot':
      return 'dot';
    case 'string':
      return 'string';
    case 'number':
      return 'int';
    case 'function':
      throw new FormatError(`${operand.name} needs its arguments: write (${operand.name} ...) inside another call`);
    case 'group':
      return typeOfPipeline(operand.pipeline, view);
  }
}

function describe(operand: Operand): string {
  switch (operand.kind) {
    case 'field':
      return `.${operand.name}`;
    case 'dot':
      return '.';
    case 'string':
      return JSON.stringify(operand.value);
    case 'number':
      return String(operand.value);
    default:
      return 'a parenthesized value';
  }
}

// ---------------------------------------------------------------------------------------
// Running

/** A value while a template runs; `data` marks text that comes from a row (escaped when printed). */
type Value =
  | { type: 'string'; value: string; data: boolean }
  | { type: 'list'; value: string[]; data: boolean }
  | { type: 'int'; value: number }
  | { type: 'dot' };

/** Evaluation of one template run: over a row, or over the column headers. */
interface Scope {
  field(name: string): Value;
  call(name: string, args: Value[]): Value;
}

/** Raised by a header function given what docker's header function does not take: docker stops the header there. */
class HeaderStop {}

const isData = (v: Value) => 'data' in v && v.data;

/** A docker function's result, from row data when any argument is. */
function result(value: string | string[], args: Value[]): Value {
  const data = args.some(isData);
  return typeof value === 'string' ? { type: 'string', value, data } : { type: 'list', value, data };
}

function executeRow<Row>(nodes: Node[], view: DockerView<Row>, row: Row): string {
  let marshalled = false;
  let cached: Readonly<Record<string, string>> | undefined;
  const scope: Scope = {
    field: (name) => ({ type: 'string', value: (cached ??= view.values(row, marshalled))[name]!, data: true }),
    call: (name, args) => {
      if (name === 'json' && args[0]!.type === 'dot') {
        // docker's MarshalJSON: the context's methods as a map, keys sorted, HTML escaped.
        marshalled = true;
        const values = (cached = view.values(row, true));
        const json = `{${Object.keys(values)
          .sort()
          .map((k) => `${goJsonString(k, true)}:${goJsonString(values[k]!, true)}`)
          .join(',')}}`;
        return { type: 'string', value: escapeControlsInJson(json), data: true };
      }
      return result(ROW_FUNCTIONS[name]!(args), args);
    },
  };
  return run(nodes, scope);
}

function executeHeader<Row>(nodes: Node[], view: DockerView<Row>): string {
  const scope: Scope = {
    field: (name) => ({ type: 'string', value: view.headers[name]!, data: false }),
    call: (name, args) => {
      if (name === 'pad') return result(ROW_FUNCTIONS.pad!(args), args);
      // The others give back their first argument, which must be a string.
      if (args[0]!.type !== 'string') throw new HeaderStop();
      return args[0]!;
    },
  };
  return run(nodes, scope);
}

function run(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') {
      out += node.text;
      continue;
    }
    try {
      out += print(evaluate(node.pipeline, scope));
    } catch (err) {
      // docker prints the header written so far and ignores the error.
      if (err instanceof HeaderStop) return out;
      throw err;
    }
  }
  return out;
}

function evaluate(pipeline: Pipeline, scope: Scope): Value {
  let piped: Value | undefined;
  for (const [head, ...args] of pipeline) {
    if (head!.kind !== 'function') {
      piped = value(head!, scope);
      continue;
    }
    const values = args.map((a) => value(a, scope));
    if (piped !== undefined) values.push(piped);
    piped = scope.call(head!.name, values);
  }
  return piped!;
}

function value(operand: Operand, scope: Scope): Value {
  switch (operand.kind) {
    case 'field':
      return scope.field(operand.name);
    case 'dot':
      return { type: 'dot' };
    case 'string':
      return { type: 'string', value: operand.value, data: false };
    case 'number':
      return { type: 'int', value: operand.value };
    case 'group':
      return evaluate(operand.pipeline, scope);
    case 'function':
      throw new Error('unreachable: checked when parsed');
  }
}

/** fmt.Print of a value; text from a row with its control characters escaped, the format's own as written. */
function print(v: Value): string {
  const shown = (s: string) => (isData(v) ? escapeControls(s) : s);
  switch (v.type) {
    case 'string':
      return shown(v.value);
    case 'int':
      return String(v.value);
    case 'list':
      return `[${v.value.map(shown).join(' ')}]`;
    case 'dot':
      throw new Error('unreachable: checked when parsed');
  }
}

const str = (v: Value) => (v as { value: string }).value;
const int = (v: Value) => (v as { value: number }).value;

/** docker's templates.go functions, in a row. */
const ROW_FUNCTIONS: Record<string, (args: Value[]) => string | string[]> = {
  json: ([v]) => escapeControlsInJson(goJson(v!)),
  split: ([s, sep]) => (str(sep!) === '' ? [...str(s!)] : str(s!).split(str(sep!))),
  join: ([list, sep]) => (list as { value: string[] }).value.join(str(sep!)),
  title: ([s]) => goTitle(str(s!)),
  lower: ([s]) => mapRunes(str(s!), toLower),
  upper: ([s]) => mapRunes(str(s!), toUpper),
  pad: ([s, left, right]) => (str(s!) === '' ? '' : ' '.repeat(int(left!)) + str(s!) + ' '.repeat(int(right!))),
  truncate: ([s, n]) => truncateBytes(str(s!), int(n!)),
};

/**
 * docker's truncate: the first n bytes of the UTF-8 text (Go slices bytes). A character cut in
 * two leaves its bytes invalid: each shows as U+FFFD, one column as Go's tab writer counts it.
 */
function truncateBytes(s: string, n: number): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length < n) return s;
  let whole = n;
  while (whole > 0 && (bytes[whole]! & 0xc0) === 0x80) whole--;
  return new TextDecoder().decode(bytes.subarray(0, whole)) + '\ufffd'.repeat(n - whole);
}

/** encoding/json of a template value, without HTML escaping (docker's json function sets that). */
function goJson(v: Value): string {
  switch (v.type) {
    case 'string':
      return goJsonString(v.value, false);
    case 'int':
      return String(v.value);
    case 'list':
      return `[${v.value.map((s) => goJsonString(s, false)).join(',')}]`;
    case 'dot':
      throw new Error('unreachable: json . is handled by the row');
  }
}

/**
 * Go's encoding/json string: `"` and `\` escaped, \n \r \t by name, other C0 controls as
 * \u00XX, U+2028 and U+2029 escaped, lone surrogates (invalid UTF-8 in Go) as \ufffd, and with
 * `html` also < > & as \u003c \u003e \u0026.
 */
export function goJsonString(s: string, html: boolean): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x2028 || c === 0x2029 || (html && (ch === '<' || ch === '>' || ch === '&'))) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else if (c >= 0xd800 && c < 0xe000) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = '';
  for (const ch of s) out += f(ch);
  return out;
}

/**
 * Go's unicode.ToUpper/ToLower/ToTitle map one rune to one rune (UnicodeData's simple
 * mappings). JavaScript's case conversion is the full one; where that gives several
 * characters the simple mapping is looked up here or, when there is none, the rune is kept.
 */
function toUpper(ch: string): string {
  const up = ch.toUpperCase();
  return isOneRune(up) ? up : (SIMPLE_UPPER[ch.codePointAt(0)!] ?? ch);
}

function toLower(ch: string): string {
  const low = ch.toLowerCase();
  // U+0130 (İ) is the one character whose full lower case is longer; its simple one is 'i'.
  return isOneRune(low) ? low : ch === '\u0130' ? 'i' : ch;
}

function toTitle(ch: string): string {
  const c = ch.codePointAt(0)!;
  // The DŽ, LJ, NJ, DZ digraphs have a title case of their own; Georgian letters keep theirs.
  if (c >= 0x1c4 && c <= 0x1cc) return String.fromCodePoint(0x1c5 + 3 * Math.floor((c - 0x1c4) / 3));
  if (c >= 0x1f1 && c <= 0x1f3) return '\u01f2';
  if ((c >= 0x10d0 && c <= 0x10fa) || (c >= 0x10fd && c <= 0x10ff)) return ch;
  return toUpper(ch);
}

const isOneRune = (s: string) => s.length === 1 || (s.length === 2 && s.codePointAt(0)! > 0xffff);

/**
 * Simple upper case of the characters whose full upper case is several characters and whose
 * simple one is another character: Greek letters with ypogegrammeni become the prosgegrammeni
 * forms (U+1F80 ᾀ → U+1F88 ᾈ).
 */
const SIMPLE_UPPER: Record<number, string> = (() => {
  const table: Record<number, string> = {};
  for (const base of [0x1f80, 0x1f90, 0x1fa0]) {
    for (let k = 0; k < 8; k++) table[base + k] = String.fromCodePoint(base + 8 + k);
  }
  table[0x1fb3] = '\u1fbc';
  table[0x1fc3] = '\u1fcc';
  table[0x1ff3] = '\u1ffc';
  return table;
})();

/**
 * Go's strings.Title: the first letter of each word in title case, a word starting after a
 * separator: ASCII other than letters, digits and '_', or a non-ASCII space.
 */
function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += isSeparator(prev) ? toTitle(ch) : ch;
    prev = ch;
  }
  return out;
}

function isSeparator(ch: string): boolean {
  if (ch.codePointAt(0)! <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
  if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
  return /\p{White_Space}/u.test(ch);
}
