// Command homekeep is the Homekeep server and its operator tools in one binary:
//
//	homekeep serve            the HTTP API (applies pending migrations first unless --no-migrate)
//	homekeep migrate up|down|status
//	homekeep seed             idempotent reference data
//	homekeep users deactivate|activate EMAIL
//	homekeep version
//
// Every setting comes from an environment variable; `homekeep --help` lists them with their defaults.
//
// The command only parses flags and prints: serving, migrating, seeding and account actions are asked of
// package service (service.Run and service.Operator), so the binary holds no wiring of its own.
package main
