import { SLOW_COMMAND_TIMEOUT_SECONDS } from "../args.ts";
import { defineOrchestratorCommand } from "../define.ts";
import { renderReload } from "../render/reload.ts";

export default defineOrchestratorCommand("reload", renderReload, SLOW_COMMAND_TIMEOUT_SECONDS);
