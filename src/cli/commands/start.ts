import { defineAgentCommand } from "../define.ts";
import { renderStart } from "../render/start.ts";

export default defineAgentCommand("start", renderStart);
