// A user's script used by runner_test.ts: reads the target's greeting, then tries what the
// sandbox must refuse (reading a file, another port) and reports what happened.
export const script = {
  name: "user-echo",
  categories: ["safe", "custom"],
  description: "test script",
  portRule: (p: { port: number }) => p.port > 0,
  async action(ctx: {
    tcp: (
      o?: { port?: number },
    ) => Promise<{ receiveText: (o: unknown) => Promise<string>; close: () => void }>;
    port?: { port: number };
  }) {
    const s = await ctx.tcp();
    const greeting = await s.receiveText({ line: true });
    s.close();
    let read = "allowed";
    try {
      await Deno.readTextFile("/etc/hostname");
    } catch (e) {
      read = (e as Error).name;
    }
    let other = "allowed";
    try {
      (await ctx.tcp({ port: ctx.port!.port === 1 ? 2 : 1 })).close();
    } catch (e) {
      other = (e as Error).name;
    }
    return { text: `${greeting} read=${read} other=${other}` };
  },
};
