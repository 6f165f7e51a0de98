import { SLOW_COMMAND_TIMEOUT_SECONDS } from "../args.ts";
import { defineAgentCommand } from "../define.ts";
import { renderRestart } from "../render/restart.ts";

export default defineAgentCommand("restart", renderRestart, SLOW_COMMAND_TIMEOUT_SECONDS);
