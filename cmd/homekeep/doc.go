// Command homekeep is the Homekeep server and its operator tools in one binary:
//
//	homekeep serve            the HTTP API (applies pending migrations first unless --no-migrate), and the
//	                          background jobs unless WORKERS=false
//	homekeep worker           the background jobs alone, to scale them apart from the API
//	homekeep jobs             the job queue: counts by kind and state, the last errors (read-only)
//	homekeep migrate up|down|status
//	homekeep seed             idempotent reference data
//	homekeep users deactivate|activate EMAIL
//	homekeep healthcheck      GET /readyz of the server in the same container: exit 0 or 1 (no shell in the image)
//	homekeep version
//
// Every setting comes from an environment variable; `homekeep --help` lists them with their defaults.
//
// The command only parses flags and prints: serving, working jobs, migrating, seeding, account actions and
// the job report are asked of package service (service.Run, service.RunWorker and service.Operator), so the
// binary holds no wiring of its own.
package main
