// Package sdktest holds the test that runs the TypeScript SDK's example (clients/typescript/examples) against
// a real server, so that `make test` proves the generated SDK not only compiles but works end to end: sign-up,
// ETag revalidation of the board, a multipart upload that carries its file, and a completion.
//
// The example is compiled with the TypeScript compiler pinned in tools/package.json and run with the node on
// PATH; the SDK's dependencies come from clients/typescript/node_modules. `make sdk-deps` installs both (make
// test does it before the Go tests). Without node on PATH the test is skipped.
package sdktest
