import { defineAgentCommand } from "../define.ts";
import { renderStart } from "../render/start.ts";

export default defineAgentCommand("start", "Start an agent (and first its stopped dependencies)", renderStart);
