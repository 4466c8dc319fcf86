import assert from "node:assert/strict";
import { runOn } from "../test_util.ts";
import { sslCert } from "./ssl_cert.ts";

Deno.test("integration: ssl-cert reads a certificate made by openssl", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ptl-cert-" });
  try {
    let made = false;
    try {
      made = (await new Deno.Command("openssl", {
        args: [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          `${dir}/key.pem`,
          "-out",
          `${dir}/cert.pem`,
          "-days",
          "30",
          "-subj",
          "/CN=portolan.test/O=Portolan Lab",
          "-addext",
          "subjectAltName=DNS:portolan.test,IP:127.0.0.1",
        ],
        stdout: "null",
        stderr: "null",
      }).output()).success;
    } catch {
      made = false;
    }
    if (!made) {
      return void (await t.step({ name: "openssl missing: skipped", ignore: true, fn: () => {} }));
    }
    const fp = new TextDecoder().decode(
      (await new Deno.Command("openssl", {
        args: ["x509", "-noout", "-fingerprint", "-sha256", "-in", `${dir}/cert.pem`],
        stdout: "piped",
      }).output()).stdout,
    ).split("=")[1].trim().replace(/:/g, "").toLowerCase();
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    });
    const serve = (async () => {
      for await (const conn of listener) {
        conn.handshake().catch(() => {}).finally(() => setTimeout(() => conn.close(), 200));
      }
    })().catch(() => {});
    const port = (listener.addr as Deno.NetAddr).port;
    const r = await runOn(sslCert, { port, service: { name: "https", tunnel: "ssl" } });
    listener.close();
    await serve;
    const d = r!.output!.data!;
    assert.equal(d.sha256, fp);
    assert.match(d.subject as string, /CN=portolan\.test/);
    assert.deepEqual(d.subjectAltName, ["DNS:portolan.test", "IP Address:127.0.0.1"]);
    assert.equal(d.selfSigned, true);
    assert.equal(d.curve, "prime256v1");
    const days = (Date.parse(d.notAfter as string) - Date.parse(d.notBefore as string)) /
      86_400_000;
    assert.ok(Math.abs(days - 30) < 1, String(days));
    assert.match(r!.output!.text, /Issuer: .*\(self-signed\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
