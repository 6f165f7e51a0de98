// The log check: ready once a line of the agent's output matches. A match holds until reset(),
// which the orchestrator calls when a new run starts.

export interface LogMatcher {
  /** Looks at one line (without its newline); returns `matched` afterwards. Once matched, lines are not even tested. */
  feed(line: string): boolean;
  readonly matched: boolean;
  reset(): void;
}

export function createLogMatcher(regex: RegExp): LogMatcher {
  // A g or y flag would make test() resume from lastIndex and miss matches.
  const pattern = regex.global || regex.sticky ? new RegExp(regex.source, regex.flags.replace(/[gy]/g, "")) : regex;
  let matched = false;
  return {
    feed(line) {
      if (!matched) matched = pattern.test(line);
      return matched;
    },
    get matched() {
      return matched;
    },
    reset() {
      matched = false;
    },
  };
}
