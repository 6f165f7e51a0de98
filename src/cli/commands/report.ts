import { defineOrchestratorCommand } from "../define.ts";
import { renderReport } from "../render/report.ts";

export default defineOrchestratorCommand("report", renderReport);
