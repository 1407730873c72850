// Package simkit holds what every ferry simulator shares: the behaviour section of a sandbox world
// (durations, time factor, rate limits, latency, faults), a simulated clock, per-operation request
// statistics, a fault injector and a windowed rate limiter that answers with a Retry-After.
package simkit
