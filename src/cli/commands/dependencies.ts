import { defineOrchestratorCommand } from "../define.ts";
import { useColor } from "../output.ts";
import { renderDependencies } from "../render/dependencies.ts";

// The marks sit mid-line, where output.ts's line-start colouring does not reach; same rule as there.
const color = useColor(1);

export default defineOrchestratorCommand("dependencies", (data) => renderDependencies(data, { color }));
