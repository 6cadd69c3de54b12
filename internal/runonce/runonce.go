package runonce

import (
	"context"
	"errors"
	"sync"
)

var (
	// ErrClosed is returned by Start after Stop.
	ErrClosed = errors.New("run after Close")
	// ErrStarted is returned by Start when a Run was started before.
	ErrStarted = errors.New("run called twice")
)

// Guard is the once-only Run and the stopping Close of one component. The zero value is
// ready; a Guard must not be copied after first use.
type Guard struct {
	mu      sync.Mutex // guards closed and cancel
	closed  bool
	cancel  context.CancelFunc // cancels the started Run; nil before Start
	running sync.WaitGroup
}

// Start begins the one Run: it returns a context derived from ctx that Stop cancels, and
// done, which Run must call (deferred) when it returns. It fails with ErrClosed after Stop
// and ErrStarted when Start succeeded before; then Run must return the error at once.
func (g *Guard) Start(ctx context.Context) (context.Context, func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, nil, ErrClosed
	}
	if g.cancel != nil {
		return nil, nil, ErrStarted
	}
	ctx, cancel := context.WithCancel(ctx)
	g.cancel = cancel
	g.running.Add(1)
	return ctx, func() {
		cancel()
		g.running.Done()
	}, nil
}

// Stop cancels the started Run's context and waits until its done is called; later Starts
// fail with ErrClosed. Stop before Start returns at once. It may be called more than once,
// from several goroutines.
func (g *Guard) Stop() {
	g.mu.Lock()
	g.closed = true
	cancel := g.cancel
	g.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	g.running.Wait()
}
