import { defineOrchestratorCommand } from "../define.ts";
import { renderDependencies } from "../render/dependencies.ts";

// The marks sit mid-line, where output.ts's line-start colouring does not reach; same rule as there.
const color = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

export default defineOrchestratorCommand("dependencies", (data) => renderDependencies(data, { color }));
