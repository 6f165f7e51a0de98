import { SLOW_COMMAND_TIMEOUT_SECONDS } from "../args.ts";
import { defineAgentCommand } from "../define.ts";
import { renderStop } from "../render/stop.ts";

export default defineAgentCommand("stop", renderStop, SLOW_COMMAND_TIMEOUT_SECONDS);
