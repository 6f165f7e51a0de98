import { SLOW_COMMAND_TIMEOUT_SECONDS } from "../args.ts";
import { defineAgentCommand } from "../define.ts";
import { renderStop } from "../render/stop.ts";

export default defineAgentCommand("stop", "Stop an agent: stop_signal to its process group, SIGKILL after stop_timeout", renderStop, SLOW_COMMAND_TIMEOUT_SECONDS);
