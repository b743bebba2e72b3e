/** Types of bench/run.js for TypeScript callers (the integration test). */
export const ROOT: string;
export const BUILD: string;
/** Compiles changed sources of apps/, libs/ and bench/src into bench/.build; returns how many files were written. */
export function build(): number;
/** Makes `@accord/<lib>` resolve to the compiled libs in this process. */
export function register(): void;
/** The compiled JS path of a repo-relative TypeScript path. */
export function compiledPath(entry: string): string;
