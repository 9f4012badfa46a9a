// Package fleete2e holds the fleet's end-to-end and fault tests: real
// servers (in-process, or child processes that are killed with SIGKILL)
// on loopback TLS, real agents, SQLite and PostgreSQL.
package fleete2e
