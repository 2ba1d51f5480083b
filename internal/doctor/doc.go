// Package doctor checks a deployment from where Homekeep runs, with the same settings as `homekeep serve`:
// how far away PostgreSQL and Valkey are (round-trip times), what they run, whether migrations are pending,
// whether DB_POOLER matches the pooler actually in front of PostgreSQL, whether the connection is encrypted,
// and what an authenticated board read will cost from here. Every visible millisecond of a request is
// network, so the round-trip time is the number an operator needs first; `homekeep doctor` prints it.
package doctor
