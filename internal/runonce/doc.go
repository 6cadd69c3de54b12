// Package runonce owns the lifecycle shared by the components whose New starts nothing,
// whose Run(ctx) blocks in the background until ctx ends or Close, and whose Close stops a
// running Run and waits for it to return (the spool's replay, the alert engine's deliveries,
// the pipeline sink's loops). A Guard lets Run start once and never after Close.
//
// It imports the standard library only.
//
// Concurrency: a Guard is safe for concurrent use; Start and Stop may race, and either the
// Run starts before Stop (Stop cancels and waits for it) or it fails with ErrClosed.
package runonce
