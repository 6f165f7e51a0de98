// The bare client (compiled by bench/lib/cli-floor.ts with the build's flags): the least any
// client must do for `ps --json`: connect, send one request, read the answer line, and print
// the envelope without its id, indented, as `pyorchestrate ps --json` does. No arguments
// checked, no errors explained. Usage: cli-floor-client SOCKET

// No top-level await, so it builds with any flags the build script may take (CommonJS for one).
void (async () => {
  const socketPath = process.argv[2] as string;
  const chunks: Uint8Array[] = [];
  let answered: () => void = () => {};
  const answer = new Promise<void>((resolve) => (answered = resolve));
  const socket = await Bun.connect({
    unix: socketPath,
    socket: {
      data(_socket, chunk) {
        chunks.push(chunk);
        if (chunk[chunk.length - 1] === 0x0a) answered();
      },
      close: () => answered(),
      error: () => answered(),
    },
  });
  socket.write(`${JSON.stringify({ id: 1, command: "ps", args: {} })}\n`);
  await answer;
  socket.end();
  const { id: _id, ...envelope } = JSON.parse(new TextDecoder().decode(Buffer.concat(chunks)));
  await Bun.write(Bun.stdout, `${JSON.stringify(envelope, null, 2)}\n`);
})();
