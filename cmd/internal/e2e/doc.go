// Package e2e holds the end-to-end tests: they build the real binaries, start them
// against PostgreSQL and Redis (the machine's, isolated per test, or private servers the
// test may stop), and drive them over HTTP like a client would.
package e2e
