// The version, injected at build time with --define; "0.0.0-dev" when run from source.

declare const PYORCHESTRATE_VERSION: string | undefined;

export const VERSION: string = typeof PYORCHESTRATE_VERSION === "string" ? PYORCHESTRATE_VERSION : "0.0.0-dev";
