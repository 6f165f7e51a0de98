import { describe, expect, test } from "bun:test";
import { encodeFrame, LineDecoder, MAX_COMMAND_LENGTH, parseRequest } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("LineDecoder", () => {
  test("splits lines across chunks and keeps an unfinished one", () => {
    const decoder = new LineDecoder();
    expect(decoder.push(bytes('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(decoder.buffered).toBe(4);
    expect(decoder.push(bytes(":2}\n\n"))).toEqual(['{"b":2}', ""]);
    expect(decoder.buffered).toBe(0);
  });

  test("a multi-byte character split between chunks survives", () => {
    const decoder = new LineDecoder();
    const all = bytes("température 21°C\n");
    const cut = all.indexOf(0xc2); // first byte of '°'
    expect(decoder.push(all.subarray(0, cut + 1))).toEqual([]);
    expect(decoder.push(all.subarray(cut + 1))).toEqual(["température 21°C"]);
  });

  test("a line over the limit throws INVALID_REQUEST and forgets what it held", () => {
    const decoder = new LineDecoder(16);
    let thrown: unknown;
    try {
      decoder.push(bytes("x".repeat(17)));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect((thrown as ProtocolError).code).toBe("INVALID_REQUEST");
    expect(decoder.buffered).toBe(0);
  });

  test("a line of exactly the limit is accepted", () => {
    expect(new LineDecoder(16).push(bytes(`${"x".repeat(16)}\n`))).toEqual(["x".repeat(16)]);
  });

  test("invalid UTF-8 is an INVALID_REQUEST, not a crash", () => {
    expect(() => new LineDecoder().push(new Uint8Array([0xff, 0xfe, 0x0a]))).toThrow(ProtocolError);
  });

  test("decode keeps the good lines before a line over the limit, then reports it", () => {
    const decoder = new LineDecoder(16);
    const { lines, error } = decoder.decode(bytes(`{"a":1}\n\n${"x".repeat(17)}\n{"b":2}\n`));
    expect(lines).toEqual(['{"a":1}', ""]);
    expect(error?.toWire()).toEqual({ code: "INVALID_REQUEST", message: "request line exceeds 16 bytes", details: { limit_bytes: 16 } });
    // What followed the bad line in that chunk is dropped with it; the decoder itself starts afresh.
    expect(decoder.buffered).toBe(0);
    expect(decoder.decode(bytes('{"c":3}\n'))).toEqual({ lines: ['{"c":3}'], error: null });
  });

  test("decode keeps the good lines before a line that is not UTF-8", () => {
    const chunk = new Uint8Array([...bytes("ok\n"), 0xed, 0xa0, 0x80, 0x0a, ...bytes("never\n")]);
    const { lines, error } = new LineDecoder().decode(chunk);
    expect(lines).toEqual(["ok"]);
    expect(error?.code).toBe("INVALID_REQUEST");
  });

  test("a line sent one byte per chunk is taken up to the limit and not a byte more", () => {
    const decoder = new LineDecoder(1024);
    for (let i = 0; i < 1024; i++) expect(decoder.push(bytes("y"))).toEqual([]);
    expect(decoder.buffered).toBe(1024);
    expect(() => decoder.push(bytes("y"))).toThrow("request line exceeds 1024 bytes");
    expect(decoder.buffered).toBe(0);
    expect(decoder.push(bytes("z\n"))).toEqual(["z"]);
  });
});

describe("parseRequest", () => {
  test("a well-formed request, args defaulting to {}", () => {
    expect(parseRequest('{"id":7,"command":"ps"}')).toEqual({ ok: true, request: { id: 7, command: "ps", args: {} } });
    expect(parseRequest('{"id":"a","command":"status","args":{"agent":"X"}}')).toEqual({
      ok: true,
      request: { id: "a", command: "status", args: { agent: "X" } },
    });
  });

  test.each([
    ["not json", "{", null],
    ["an array", "[1]", null],
    ["no id", '{"command":"ps"}', null],
    ["a bool id", '{"id":true,"command":"ps"}', null],
    ["no command", '{"id":3}', 3],
    ["an empty command", '{"id":3,"command":""}', 3],
    ["args as a list", '{"id":"x","command":"ps","args":[]}', "x"],
  ])("%s → INVALID_REQUEST keeping the id it could read", (_what, line, id) => {
    const parsed = parseRequest(line);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.id).toBe(id);
      expect(parsed.error.code).toBe("INVALID_REQUEST");
    }
  });

  test.each([
    ["a newline", "ps\nFAKE LOG LINE"],
    ["an escape sequence", "\u001b[2J"],
    ["a space", "p s"],
    ["a NUL", "ps\u0000"],
    ["non-ASCII", "psé"],
    ["too many characters", "x".repeat(MAX_COMMAND_LENGTH + 1)],
  ])("a command with %s is not a command name → INVALID_REQUEST keeping the id", (_what, command) => {
    const parsed = parseRequest(JSON.stringify({ id: 5, command }));
    expect(parsed.ok ? null : { id: parsed.id, code: parsed.error.code }).toEqual({ id: 5, code: "INVALID_REQUEST" });
  });

  test("any printable word up to the length limit is a command name (known or not is dispatch's business)", () => {
    for (const command of ["x".repeat(MAX_COMMAND_LENGTH), "no-such-command", "toString", "__proto__"]) {
      expect(parseRequest(JSON.stringify({ id: 1, command }))).toEqual({ ok: true, request: { id: 1, command, args: {} } });
    }
  });

  test("encodeFrame writes one line", () => {
    expect(encodeFrame({ a: "x\ny" })).toBe('{"a":"x\\ny"}\n');
  });
});
