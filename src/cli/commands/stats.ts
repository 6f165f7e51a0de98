import { defineOrchestratorCommand } from "../define.ts";
import { renderStats } from "../render/stats.ts";

export default defineOrchestratorCommand("stats", "Statistics of the orchestrator and all its agents", renderStats);
