// Drives ngrok's JavaScript SDK (@ngrok/ngrok) against the local edge for tests/edge/test_edge_sdk_*.py.
// Everything arrives on stdin as JSON lines (so the authtoken is never on a command line); answers are JSON lines.
// Line 1: {"authtoken", "serverAddr", "caPath", "metadata"?, "each"?, "listeners": [{"kind": "http"|"tcp"|"tls"|
//          "labeled", "forward": URL, "options": [[builderMethod, ...args]]}]}  (an arg {"base64": s} becomes a Buffer)
//   -> {"ok": true, "urls": [...]} or {"ok": false, "stage": "connect"|"listen", "error": text}
//   With "each": true every listener is tried (a failure does not stop the rest):
//   -> {"ok": true, "results": [{"url": u} | {"error": text}, ...], "methods": {}}
//   "describe": [className, ...] fills "methods" with each SDK class's prototype method names.
// Then commands: {"cmd": "close_listener", "index": n} | {"cmd": "close"}  -> {"ok": true} / {"ok": false, ...}
// With "handleStop": true, the edge's Stop command prints {"event": "stop"}.
// End of input (or {"cmd": "exit"}) ends the process.
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");

const ngrok = require(path.join(process.env.NGROK_JS_DIR, "node_modules", "@ngrok", "ngrok"));

function say(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function arg(value) {
  return value && typeof value === "object" && "base64" in value ? Buffer.from(value.base64, "base64") : value;
}

function text(err) {
  return err && err.message ? err.message : String(err);
}

async function start(config) {
  let session;
  try {
    let builder = new ngrok.SessionBuilder()
      .authtoken(config.authtoken)
      .serverAddr(config.serverAddr)
      .caCert(fs.readFileSync(config.caPath));
    if (config.metadata) builder = builder.metadata(config.metadata);
    if (config.handleStop) builder = builder.handleStopCommand(() => say({ event: "stop" }));
    session = await builder.connect();
  } catch (err) {
    say({ ok: false, stage: "connect", error: text(err), code: err && err.errorCode });
    return null;
  }
  const listeners = [];
  const methods = {};
  for (const name of config.describe || []) methods[name] = Object.getOwnPropertyNames(ngrok[name].prototype);
  const kinds = {
    http: () => session.httpEndpoint(),
    tcp: () => session.tcpEndpoint(),
    tls: () => session.tlsEndpoint(),
    labeled: () => session.labeledListener(),
  };
  const open = async (spec) => {
    let builder = kinds[spec.kind]();
    for (const [method, ...args] of spec.options || []) builder = builder[method](...args.map(arg));
    return builder.listenAndForward(spec.forward);
  };
  if (config.each) {
    const results = [];
    for (const spec of config.listeners || []) {
      try {
        const listener = await open(spec);
        listeners.push(listener);
        results.push({ url: listener.url() });
      } catch (err) {
        results.push({ error: text(err) });
      }
    }
    say({ ok: true, results, methods });
    return { session, listeners };
  }
  try {
    for (const spec of config.listeners || []) listeners.push(await open(spec));
  } catch (err) {
    say({ ok: false, stage: "listen", error: text(err), code: err && err.errorCode });
    return { session, listeners };
  }
  say({ ok: true, urls: listeners.map((l) => l.url()) });
  return { session, listeners };
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  let state = null;
  for await (const line of lines) {
    if (!line.trim()) continue;
    const msg = JSON.parse(line);
    if (state === null) {
      state = (await start(msg)) || { session: null, listeners: [] };
      continue;
    }
    try {
      if (msg.cmd === "close_listener") await state.listeners[msg.index].close();
      else if (msg.cmd === "close") await state.session.close();
      else if (msg.cmd === "exit") break;
      else throw new Error("unknown command " + msg.cmd);
      say({ ok: true });
    } catch (err) {
      say({ ok: false, error: text(err) });
    }
  }
  process.exit(0);
}

main();
