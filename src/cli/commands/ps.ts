import { defineOrchestratorCommand } from "../define.ts";
import { renderPs } from "../render/ps.ts";

export default defineOrchestratorCommand("ps", "List all agents with their current status", renderPs);
