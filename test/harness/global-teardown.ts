/** Stops what globalSetup started (nothing, when testing against existing servers). */
export default async function globalTeardown(): Promise<void> {
  await globalThis.logpipeServerProvider?.stop();
  globalThis.logpipeServerProvider = undefined;
}
