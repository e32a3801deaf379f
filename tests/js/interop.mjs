// Interoperability client for Linli's end-to-end tests: drives the stock
// automerge-repo client against a sync server given on the command line.
//
//   node interop.mjs <command> --server ws://127.0.0.1:PORT/sync [--timeout-ms 20000] [options]
//
//   create          [--org O] [--user U] [--name N]   create a volunteer doc; prove the server serves it
//   converge                                          two clients edit one doc concurrently; wait for convergence
//   append          --url URL --entry-id ID --minutes N   add an entry; prove a fresh client sees it
//   show            --url URL                         print the doc, or {"unavailable": true}
//   create-invalid                                    create {hello:"world"}, let it sync ~1.5 s
//   self-approve    [--org O] [--user U]              approve own entry; expect it undone; log more hours
//   create-doc      --doc JSON | --doc-file PATH      create any document; report whether the server kept it
//   edit-series     --url URL [--field F] [--count N] [--interval-ms MS]
//                                                     on one connection, set F to "edit 1" … "edit N", one
//                                                     change every MS; then wait until the server's copy and ours agree
//   edit            --url URL --set JSON [--delete P]  write fields (paths a/b/c; "list[]" appends) in one
//                                                     change; wait until the server's copy and ours agree
//
// Prints exactly one JSON object on stdout; logs go to stderr. Exit code 0 on
// success, 1 on failure (with the reason on stderr), 2 on bad usage.
// Repos are in-memory (no storage) and announce isEphemeral=false.

import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseAutomergeUrl } from "@automerge/automerge-repo";
import { close, connect, entry, log, sameDoc, sleep, toJSON, volunteerDoc, waitFor, withTimeout } from "./lib.mjs";

const USAGE = `usage: node interop.mjs <create|converge|append|show|create-invalid> --server URL [--timeout-ms MS]
  create         [--org c01/s01/m01] [--user vol-js] [--name 名字]
  append         --url automerge:... --entry-id ID --minutes N
  show           --url automerge:...`;

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    server: { type: "string" },
    "timeout-ms": { type: "string", default: "20000" },
    org: { type: "string", default: "c01/s01/m01" },
    user: { type: "string", default: "vol-js" },
    name: { type: "string", default: "名字" },
    url: { type: "string" },
    "entry-id": { type: "string" },
    minutes: { type: "string" },
    doc: { type: "string" },
    "doc-file": { type: "string" },
    field: { type: "string", default: "address" },
    count: { type: "string", default: "20" },
    "interval-ms": { type: "string", default: "300" },
    set: { type: "string" },
    delete: { type: "string", multiple: true },
  },
});
const command = positionals[0];
const T = Number(opt["timeout-ms"]);

function usage(problem) {
  console.error(`interop: ${problem}\n${USAGE}`);
  process.exit(2);
}
if (!opt.server) usage("--server is required");
if (!(T > 0)) usage("--timeout-ms must be a positive number");

// Every repo opened here, so they can all be disconnected before exiting.
const repos = [];

/** A new in-memory Repo connected to the server (waits for its "peer" reply). */
async function open() {
  const conn = await connect(opt.server, { timeoutMs: T });
  repos.push(conn.repo);
  return conn;
}

/**
 * Asks the server for `url` from a brand-new Repo (nothing cached), so the
 * answer can only come from the server. Resolves to { repo, handle } when
 * found, or { repo, unavailable: true } when the server answered
 * `doc-unavailable`. Throws on timeout, and when the stock client gave up on
 * the document without the server having said `doc-unavailable` (for example
 * because the connection dropped: the stock client then also reports the
 * document as unavailable, which must not be mistaken for an answer).
 */
async function findFresh(url, timeoutMs = T) {
  const { documentId } = parseAutomergeUrl(url);
  const { repo, adapter } = await open();
  const abort = new AbortController();
  try {
    const handle = await withTimeout(
      repo.find(url, { allowableStates: ["ready", "unavailable"], signal: abort.signal }),
      timeoutMs,
      `the server to answer a request for ${url}`,
    );
    if (handle.isReady()) return { repo, handle };
    if (adapter.sawUnavailable(documentId)) return { repo, unavailable: true };
    throw new Error(
      `the client gave up on ${url} but the server never sent doc-unavailable` +
        (adapter.problems.length ? ` (${[...new Set(adapter.problems)].join("; ")})` : ""),
    );
  } catch (e) {
    abort.abort();
    await close(repo);
    throw e;
  }
}

/**
 * Proves the server holds `url` with content satisfying `want(doc)`: keeps
 * asking from fresh Repos until one sees it (the server may not have finished
 * receiving the latest changes when the first one asks). Returns the
 * { repo, handle } that saw it; closes it unless `keep`.
 */
async function seenByFreshClient(url, want, what, { keep = false } = {}) {
  const deadline = Date.now() + T;
  let last = "no attempt finished";
  for (let attempt = 1; ; attempt++) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${T} ms waiting for a fresh client to see ${what} (last attempt: ${last})`);
    try {
      const found = await findFresh(url, left);
      if (found.handle) {
        // Sync continues after `find` resolves; give it a moment to deliver the rest.
        const seen = await waitFor(() => want(found.handle.doc()), Math.min(2000, Math.max(left, 1)), what).then(
          () => true,
          () => false,
        );
        if (seen) {
          if (!keep) await close(found.repo);
          return found;
        }
        last = `found the document, but not ${what}: ${JSON.stringify(found.handle.doc())}`;
      } else {
        last = "the server answered doc-unavailable";
      }
      await close(found.repo);
    } catch (e) {
      last = e.message;
    }
    log(`attempt ${attempt}: ${last}; retrying`);
    await sleep(250);
  }
}

/** The `error` messages the server sent about `documentId`. */
const errorsAbout = (adapter, documentId) =>
  adapter.received.filter(m => m.type === "error" && String(m.message).includes(documentId)).map(m => m.message);

/** Writes `value` at `path` ("a/b/c"; a last part ending in "[]" appends to that list). */
function setPath(doc, path, value) {
  const parts = path.split("/");
  const last = parts.pop();
  let at = doc;
  for (const p of parts) at = at[Array.isArray(at) ? Number(p) : p];
  if (last.endsWith("[]")) at[last.slice(0, -2)].push(value);
  else at[Array.isArray(at) ? Number(last) : last] = value;
}

function deletePath(doc, path) {
  const parts = path.split("/");
  const last = parts.pop();
  let at = doc;
  for (const p of parts) at = at[Array.isArray(at) ? Number(p) : p];
  if (Array.isArray(at)) at.splice(Number(last), 1);
  else delete at[last];
}

/** True once a fresh client sees exactly our heads (the server holds what we hold). */
async function serverHasOurHeads(url, handle) {
  try {
    const found = await findFresh(url, Math.min(T, 5000));
    const same = found.handle && sameDoc([...found.handle.heads()].sort(), [...handle.heads()].sort());
    await close(found.repo);
    return same;
  } catch {
    return false;
  }
}

// --- commands ---------------------------------------------------------------

const commands = {
  async create() {
    const { repo } = await open();
    const handle = repo.create(volunteerDoc({ org: opt.org, user: opt.user, name: opt.name }));
    log("created", handle.url);
    await seenByFreshClient(handle.url, doc => sameDoc(doc, handle.doc()), "the created document");
    return { url: handle.url, documentId: handle.documentId, doc: toJSON(handle.doc()) };
  },

  async converge() {
    const a = await open();
    const handleA = a.repo.create(volunteerDoc({ org: opt.org, user: opt.user, name: opt.name }));
    log("A created", handleA.url);
    // B is a separate Repo on its own connection; it stays open to take part.
    const { handle: handleB } = await seenByFreshClient(handleA.url, doc => sameDoc(doc, handleA.doc()), "A's document", {
      keep: true,
    });
    log("B found it; editing concurrently");
    // Both edits happen before either side can hear of the other's.
    handleA.change(d => {
      d.entries["entry-a"] = entry({ minutes: 30, activity: "A 的活动" });
      d.name = "名字-A";
    });
    handleB.change(d => {
      d.entries["entry-b"] = entry({ minutes: 45, activity: "B 的活动" });
      d.name = "名字-B";
    });
    try {
      await waitFor(
        () => {
          const [docA, docB] = [handleA.doc(), handleB.doc()];
          return docA.entries["entry-a"] && docA.entries["entry-b"] && sameDoc(docA, docB) && sameDoc(handleA.heads(), handleB.heads());
        },
        T,
        "A and B to converge",
      );
    } catch (e) {
      throw new Error(`${e.message}\n  A: ${JSON.stringify(handleA.doc())}\n  B: ${JSON.stringify(handleB.doc())}`);
    }
    return { url: handleA.url, doc: toJSON(handleA.doc()), headsA: handleA.heads(), headsB: handleB.heads() };
  },

  async append() {
    if (!opt.url || !opt["entry-id"] || opt.minutes === undefined) usage("append needs --url, --entry-id and --minutes");
    const id = opt["entry-id"];
    const minutes = Number(opt.minutes);
    if (!Number.isInteger(minutes)) usage("--minutes must be an integer");
    const found = await findFresh(opt.url);
    if (found.unavailable) throw new Error(`the server answered doc-unavailable for ${opt.url}`);
    found.handle.change(d => {
      d.entries ??= {};
      d.entries[id] = entry({ minutes });
    });
    log("appended", id);
    await seenByFreshClient(opt.url, doc => doc.entries?.[id]?.minutes === minutes, `entry ${id}`);
    return { doc: toJSON(found.handle.doc()) };
  },

  async show() {
    if (!opt.url) usage("show needs --url");
    const found = await findFresh(opt.url);
    return found.unavailable ? { unavailable: true } : { doc: toJSON(found.handle.doc()) };
  },

  // A volunteer approves their own entry: the server must undo it (the stock client cannot
  // rewind), tell the device why, and keep accepting the device's later work.
  async "self-approve"() {
    const { repo, adapter } = await open();
    const handle = repo.create(volunteerDoc({ org: opt.org, user: opt.user, name: opt.name }));
    handle.change(d => {
      d.entries["first"] = entry({ minutes: 60 });
    });
    await seenByFreshClient(handle.url, doc => doc.entries?.first?.minutes === 60, "the first entry");
    handle.change(d => {
      d.entries["first"].status = "approved";
    });
    await waitFor(() => handle.doc().entries.first.status === "submitted", T, "the self-approval to be undone here");
    const errors = adapter.received.filter(m => m.type === "error").map(m => m.message);
    handle.change(d => {
      d.entries["later"] = entry({ minutes: 30 });
    });
    await seenByFreshClient(
      handle.url,
      doc => doc.entries?.later?.minutes === 30 && doc.entries.first.status === "submitted",
      "the later entry, with the first still submitted",
    );
    return { url: handle.url, errors, doc: toJSON(handle.doc()) };
  },

  // Creates any document and reports whether the server kept it: {accepted, errors, url, doc}.
  async "create-doc"() {
    if (opt["doc-file"]) opt.doc = readFileSync(opt["doc-file"], "utf8");
    if (!opt.doc) usage("create-doc needs --doc JSON or --doc-file PATH");
    const { repo, adapter } = await open();
    const handle = repo.create(JSON.parse(opt.doc));
    log("created", handle.url);
    const outcome = await waitFor(
      async () => {
        if (errorsAbout(adapter, handle.documentId).length) return "refused";
        return (await serverHasOurHeads(handle.url, handle)) ? "kept" : null;
      },
      T,
      "the server to keep or refuse the document",
      250,
    );
    return {
      accepted: outcome === "kept",
      errors: errorsAbout(adapter, handle.documentId),
      url: handle.url,
      documentId: handle.documentId,
      doc: toJSON(handle.doc()),
    };
  },

  // Writes fields of a stored document in one change, then waits until the server holds
  // exactly what this client holds (its change, and any server change undoing parts of it).
  async edit() {
    if (!opt.url) usage("edit needs --url");
    const sets = JSON.parse(opt.set ?? "{}");
    const { documentId } = parseAutomergeUrl(opt.url);
    const { repo, adapter } = await open();
    const handle = await withTimeout(repo.find(opt.url), T, `the server to send ${opt.url}`);
    handle.change(d => {
      for (const [path, value] of Object.entries(sets)) setPath(d, path, value);
      for (const path of opt.delete ?? []) deletePath(d, path);
    });
    const before = errorsAbout(adapter, documentId).length;
    await waitFor(() => serverHasOurHeads(opt.url, handle), T, "the server's copy to match ours", 250);
    // An error sent with the reply that undid a write arrives before that reply.
    return { errors: errorsAbout(adapter, documentId), newErrors: errorsAbout(adapter, documentId).length - before, doc: toJSON(handle.doc()) };
  },

  async "edit-series"() {
    if (!opt.url) usage("edit-series needs --url");
    const { documentId } = parseAutomergeUrl(opt.url);
    const { repo, adapter } = await open();
    const handle = await withTimeout(repo.find(opt.url), T, `the server to send ${opt.url}`);
    let last;
    for (let i = 1; i <= Number(opt.count); i++) {
      last = `edit ${i}`;
      handle.change(d => setPath(d, opt.field, last));
      await sleep(Number(opt["interval-ms"]));
    }
    await waitFor(() => serverHasOurHeads(opt.url, handle), T, "the server's copy to match ours", 250);
    return { last, errors: errorsAbout(adapter, documentId), doc: toJSON(handle.doc()) };
  },

  async "create-invalid"() {
    const { repo, adapter } = await open();
    const handle = repo.create({ hello: "world" });
    log("created invalid document", handle.url);
    await sleep(1500);
    const replies = adapter.received.filter(m => m.documentId === handle.documentId).map(m => m.type);
    log("server replies for it:", replies.join(", ") || "none");
    return { url: handle.url, documentId: handle.documentId };
  },
};

// --- main -------------------------------------------------------------------

if (!Object.hasOwn(commands, command)) usage(command ? `unknown command ${command}` : "missing command");

async function finish(code, output) {
  await Promise.all(repos.map(close));
  if (output !== undefined) process.stdout.write(JSON.stringify(output) + "\n", () => process.exit(code));
  else process.exit(code);
}
const fail = e => {
  console.error(`interop ${command}: error: ${e?.message ?? e}`);
  void finish(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
// Backstop: no command may hang, whatever happens to the individual waits.
setTimeout(() => fail(new Error(`gave up after ${3 * T} ms overall`)), 3 * T).unref();

commands[command]().then(output => finish(0, output), fail);
