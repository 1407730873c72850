// Package sandbox serves every provider simulator over HTTP for `ferry sandbox`: the world file
// (one section per provider plus a behaviour section), the simulators mounted under
// /<provider>/, and the /_sandbox endpoints that show the world and the request statistics and
// change the injected faults at run time.
package sandbox
