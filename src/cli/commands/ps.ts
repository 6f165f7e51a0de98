import { defineOrchestratorCommand } from "../define.ts";
import { renderPs } from "../render/ps.ts";

export default defineOrchestratorCommand("ps", renderPs);
