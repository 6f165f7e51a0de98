import { describe, expect, test } from "bun:test";
import { encodeFrame, LineDecoder, parseRequest } from "../../src/protocol/codec.ts";
import { ProtocolError } from "../../src/protocol/errors.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("LineDecoder", () => {
  test("splits lines across chunks and keeps an unfinished one", () => {
    const decoder = new LineDecoder();
    expect(decoder.push(bytes('{"a":1}\n{"b"'))).toEqual(['{"a":1}']);
    expect(decoder.buffered).toBe(4);
    expect(decoder.push(bytes(':2}\n\n'))).toEqual(['{"b":2}', ""]);
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

  test("encodeFrame writes one line", () => {
    expect(encodeFrame({ a: "x\ny" })).toBe('{"a":"x\\ny"}\n');
  });
});
