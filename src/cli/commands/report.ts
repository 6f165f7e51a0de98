import { defineOrchestratorCommand } from "../define.ts";
import { renderReport } from "../render/report.ts";

export default defineOrchestratorCommand("report", "A full report of the orchestrator's state", renderReport);
