/**
 * A household's first minutes with the Homekeep API, through the TypeScript SDK: sign up, create a residence
 * and a task, read the board and revalidate it with its ETag (304 when nothing changed), upload a receipt
 * and complete the task.
 *
 *     node household.js http://localhost:8080/api      (after compiling with tsc; or set HOMEKEEP_API_URL)
 *
 * It prints one line of JSON with what it created and the statuses it saw, and exits non-zero at the first
 * request that does not answer as expected. `make test` runs it against a test server
 * (internal/sdktest).
 */
import { createHomekeepClient, multipart, newIdempotencyKey } from "../src/index.js";

const apiUrl = process.argv[2] ?? process.env["HOMEKEEP_API_URL"] ?? "http://localhost:8080/api";

/** ok returns a call's data, or throws with the status and error body when the call failed. */
function ok<T>(what: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${what}: HTTP ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

// A minimal PDF: the server recognises uploads from their bytes, and takes PDF, JPEG, PNG, HEIC and WebP.
const receipt = new Blob(
  [
    "%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
      "2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n",
  ],
  { type: "application/pdf" },
);

// Sign up: the token comes back with the account.
const anonymous = createHomekeepClient(apiUrl);
const email = `household-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const account = ok(
  "register",
  await anonymous.POST("/auth/register", {
    body: { email, password: "correct horse battery", first_name: "Alex", timezone: "Europe/Berlin" },
  }),
);
const api = createHomekeepClient(apiUrl, account.token);

const residence = ok("create residence", await api.POST("/residences", { body: { name: "Maple Street" } }));
const task = ok(
  "create task",
  await api.POST("/tasks", {
    body: { residence_id: residence.id, title: "Replace the smoke alarm batteries" },
  }),
);

// The board, then the board again with its ETag in If-None-Match: unchanged, so 304 with no body. A 200
// instead is a fresh board with a new ETag, to keep for the next time: the server tags the first board it
// builds for a caller from its rows and later ones from its residences' versions, so the first revalidation
// of a new session may still download the board once.
const board = await api.GET("/tasks");
const columns = ok("board", board).columns;
let etag = board.response.headers.get("ETag");
const column = columns.find((c) => c.tasks.some((t) => t.id === task.id));
if (column === undefined) {
  throw new Error(`board: task ${task.id} is in no column`);
}
const revalidations: number[] = [];
while (revalidations.at(-1) !== 304) {
  if (etag === null) {
    throw new Error("board: no ETag header");
  }
  if (revalidations.length === 2) {
    throw new Error(`board revalidation: HTTP ${revalidations.join(", ")}, want 304`);
  }
  const again = await api.GET("/tasks", { params: { header: { "If-None-Match": etag } } });
  revalidations.push(again.response.status);
  if (again.response.status !== 304) {
    ok("board revalidation", again);
  }
  etag = again.response.headers.get("ETag");
}

// Upload the receipt: metadata as form fields and the file as a file part.
const document = ok(
  "upload document",
  await api.POST("/documents", {
    body: { residence_id: residence.id, title: "Smoke alarm receipt", type: "receipt", task_id: task.id, file: receipt },
    bodySerializer: multipart({ file: "smoke-alarm-receipt.pdf" }),
  }),
);
if (document.file === null) {
  throw new Error(`upload document: document ${document.id} was created without its file`);
}

// Complete the task with a key of our own, and send it again as an app does when it never saw the answer
// (the client also retries by itself, with the same key, when an answer is lost): the server answers the
// first completion again, marked Idempotent-Replayed, instead of recording a second one.
const completionKey = newIdempotencyKey();
const complete = () =>
  api.POST("/tasks/{id}/completions", {
    params: { path: { id: task.id }, header: { "Idempotency-Key": completionKey } },
    body: { notes: "Both alarms tested.", actual_cost: 12.5 },
  });
const done = ok("complete task", await complete());
const retried = await complete();
if (ok("complete task again", retried).completion.id !== done.completion.id) {
  throw new Error("complete task again: a second completion was recorded");
}
const completionReplayed = retried.response.headers.get("Idempotent-Replayed") === "true";

console.log(
  JSON.stringify({
    email,
    user_id: account.user.id,
    residence_id: residence.id,
    task_id: task.id,
    board_column: column.name,
    board_etag: etag,
    revalidations,
    document_id: document.id,
    document_file: document.file,
    completion_id: done.completion.id,
    completion_replayed: completionReplayed,
  }),
);
