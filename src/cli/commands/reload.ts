import { SLOW_COMMAND_TIMEOUT_SECONDS } from "../args.ts";
import { defineOrchestratorCommand } from "../define.ts";
import { renderReload } from "../render/reload.ts";

export default defineOrchestratorCommand(
  "reload",
  "Re-read the config file: add, remove and restart changed agents",
  renderReload,
  SLOW_COMMAND_TIMEOUT_SECONDS,
);
