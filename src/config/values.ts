// The fixed values config keys accept; each list also gives its TypeScript type, so validation
// and the resolved config's types cannot drift apart. (Kinds, dependency conditions and the
// allowed_commands presets travel on the wire too: their lists live in protocol/.)

export const RESTART_POLICIES = ["always", "on-failure", "never"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export const OVERLAP_POLICIES = ["skip", "queue", "kill"] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Signals that make sense to ask a program to stop; SIGSTOP and friends would only hang it. */
export const STOP_SIGNALS = ["SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGKILL", "SIGABRT", "SIGALRM", "SIGPIPE", "SIGWINCH"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The forms of a ready or alive check: exactly one per check (`notify`: ready checks only). */
export const CHECK_FORMS = ["command", "tcp", "http", "log", "notify"] as const;
export type CheckForm = (typeof CHECK_FORMS)[number];
